import { beforeAll, describe, expect, it } from 'vitest';
import { XMLValidator } from 'fast-xml-parser';
import { loadSpec, type Spec } from '../../src/spec/index.js';
import { DEFAULT_ROOT, toXml } from '../../src/mock/xml.js';
import { fixture } from '../helpers.js';

let spec: Spec;
beforeAll(async () => {
  spec = await loadSpec(fixture('mock/xml.yaml'));
});

/** The XML text, failing the test on an error result. */
function xml(value: unknown, schema: unknown): string {
  const result = toXml(value, schema, spec);
  if (!('text' in result)) throw new Error(`expected XML, got the error: ${result.error}`);
  return result.text;
}

/** The OpenAPI XML Object examples are property definitions: they sit in the `properties` of a root named `root`. */
const within = (properties: Record<string, unknown>) => ({ type: 'object', xml: { name: 'root' }, properties });

describe('the OpenAPI 3.1 XML Object examples', () => {
  it('No XML Element: a string property is an element named after the property', () => {
    expect(xml({ animals: 'dog' }, within({ animals: { type: 'string' } }))).toBe('<root><animals>dog</animals></root>');
  });

  it('No XML Element: an array property is unwrapped by default, each item named after the property', () => {
    expect(xml({ animals: ['a', 'b', 'c'] }, within({ animals: { type: 'array', items: { type: 'string' } } }))).toBe('<root><animals>a</animals><animals>b</animals><animals>c</animals></root>');
  });

  it('XML Name Replacement: xml.name renames the element', () => {
    expect(xml({ animals: 'dog' }, within({ animals: { type: 'string', xml: { name: 'animal' } } }))).toBe('<root><animal>dog</animal></root>');
  });

  it('XML Attribute, Prefix and Namespace: the Person model', () => {
    expect(xml({ id: 123, name: 'example' }, { $ref: '#/components/schemas/Person' })).toBe('<Person id="123"><sample:name xmlns:sample="https://example.com/schema/sample">example</sample:name></Person>');
  });

  it('XML Arrays: items.xml.name names the items', () => {
    const schema = within({ animals: { type: 'array', items: { type: 'string', xml: { name: 'animal' } } } });
    expect(xml({ animals: ['value', 'value'] }, schema)).toBe('<root><animal>value</animal><animal>value</animal></root>');
  });

  it('XML Arrays: the external name has no effect on an unwrapped array', () => {
    const schema = within({ animals: { type: 'array', items: { type: 'string', xml: { name: 'animal' } }, xml: { name: 'aliens' } } });
    expect(xml({ animals: ['value', 'value'] }, schema)).toBe('<root><animal>value</animal><animal>value</animal></root>');
  });

  it('XML Arrays: wrapped, with no names, uses the property name inside and out', () => {
    const schema = within({ animals: { type: 'array', items: { type: 'string' }, xml: { wrapped: true } } });
    expect(xml({ animals: ['value', 'value'] }, schema)).toBe('<root><animals><animals>value</animals><animals>value</animals></animals></root>');
  });

  it('XML Arrays: wrapped, with the items named', () => {
    const schema = within({ animals: { type: 'array', items: { type: 'string', xml: { name: 'animal' } }, xml: { wrapped: true } } });
    expect(xml({ animals: ['value', 'value'] }, schema)).toBe('<root><animals><animal>value</animal><animal>value</animal></animals></root>');
  });

  it('XML Arrays: affecting both internal and external names', () => {
    const schema = within({ animals: { type: 'array', items: { type: 'string', xml: { name: 'animal' } }, xml: { name: 'aliens', wrapped: true } } });
    expect(xml({ animals: ['value', 'value'] }, schema)).toBe('<root><aliens><animal>value</animal><animal>value</animal></aliens></root>');
  });

  it('XML Arrays: changing the external element but not the internal ones', () => {
    const schema = within({ animals: { type: 'array', items: { type: 'string' }, xml: { name: 'aliens', wrapped: true } } });
    expect(xml({ animals: ['value', 'value'] }, schema)).toBe('<root><aliens><aliens>value</aliens><aliens>value</aliens></aliens></root>');
  });
});

describe('the root element', () => {
  it('is named by the schema\'s xml.name, else the component the schema refers to, else `xml` (as Prism names it)', () => {
    expect(xml({ id: 1 }, { type: 'object', xml: { name: 'thing' } })).toBe('<thing><id>1</id></thing>');
    expect(xml({ id: 1, name: 'a' }, { $ref: '#/components/schemas/Person' })).toMatch(/^<Person id="1">/);
    expect(xml({ id: 1 }, { type: 'object' })).toBe(`<${DEFAULT_ROOT}><id>1</id></${DEFAULT_ROOT}>`);
    expect(xml({ id: 1 }, undefined)).toBe('<xml><id>1</id></xml>');
    // The referenced component's own xml.name wins over its component name; an xml object next to the $ref (3.1) wins over both.
    expect(xml({ id: 1 }, { $ref: '#/components/schemas/Pet' })).toBe('<pet id="1"/>');
    expect(xml({ id: 1 }, { $ref: '#/components/schemas/Pet', xml: { name: 'animal' } })).toBe('<animal id="1"/>');
  });

  it('wraps a root array, its items named by items.xml.name, else their component, else the root\'s name', () => {
    expect(xml([{ id: 1 }, { id: 2 }], { $ref: '#/components/schemas/Pets' })).toBe('<Pets><pet id="1"/><pet id="2"/></Pets>');
    expect(xml([{ name: 'a' }], { type: 'array', items: { $ref: '#/components/schemas/Animal' } })).toBe('<xml><Animal><name>a</name></Animal></xml>');
    expect(xml(['a', 'b'], { type: 'array', items: { type: 'string' }, xml: { name: 'list' } })).toBe('<list><list>a</list><list>b</list></list>');
    expect(xml([1, 2], undefined)).toBe('<xml><xml>1</xml><xml>2</xml></xml>');
  });

  it('holds a primitive, or nothing for null', () => {
    expect(xml(5, { type: 'integer' })).toBe('<xml>5</xml>');
    expect(xml(true, undefined)).toBe('<xml>true</xml>');
    expect(xml(null, { $ref: '#/components/schemas/Named' })).toBe('<label/>');
    expect(xml('hello', { $ref: '#/components/schemas/Named' })).toBe('<label>hello</label>');
  });

  it('has no XML declaration (Prism writes none)', () => {
    expect(xml({ a: 1 }, undefined).startsWith('<?xml')).toBe(false);
  });
});

describe('strings that are XML already', () => {
  it('are answered as they are (as Prism answers string examples)', () => {
    const text = '<?xml version="1.0" encoding="UTF-8"?>\n<pet id="1"><name>Rex</name></pet>';
    expect(xml(text, { $ref: '#/components/schemas/Pet' })).toBe(text);
  });

  it('unless they are not XML: then they are the text of the root element, escaped', () => {
    expect(xml('<b>bold</b> & more', undefined)).toBe('<xml>&lt;b&gt;bold&lt;/b&gt; &amp; more</xml>');
    expect(xml('<unclosed>', undefined)).toBe('<xml>&lt;unclosed&gt;</xml>');
  });
});

describe('objects and values', () => {
  it('nests objects and arrays; null is an empty element; numbers and booleans are their text', () => {
    const value = { a: { b: { c: 1.5 } }, list: [{ x: true }, { x: false }], none: null, empty: {}, neg: -0 };
    expect(xml(value, undefined)).toBe('<xml><a><b><c>1.5</c></b></a><list><x>true</x></list><list><x>false</x></list><none/><empty/><neg>-0</neg></xml>');
  });

  it('nests arrays of arrays: an item that is an array wraps its own items', () => {
    const schema = within({ grid: { type: 'array', items: { type: 'array', xml: { name: 'row' }, items: { type: 'integer', xml: { name: 'cell' } } } } });
    expect(xml({ grid: [[1, 2], [3]] }, schema)).toBe('<root><row><cell>1</cell><cell>2</cell></row><row><cell>3</cell></row></root>');
  });

  it('finds property schemas through allOf, additionalProperties and prefixItems', () => {
    expect(xml({ kind: 'dog', bark: 'loud' }, { $ref: '#/components/schemas/Dog' })).toBe('<Dog kind="dog"><woof>loud</woof></Dog>');
    expect(xml({ k1: 'v' }, { type: 'object', additionalProperties: { type: 'string', xml: { name: 'entry' } } })).toBe('<xml><entry>v</entry></xml>');
    const tuple = within({ pair: { type: 'array', prefixItems: [{ xml: { name: 'first' } }, { xml: { name: 'second' } }], items: { xml: { name: 'rest' } } } });
    expect(xml({ pair: [1, 2, 3] }, tuple)).toBe('<root><first>1</first><second>2</second><rest>3</rest></root>');
  });

  it('makes attributes only of primitives: null leaves the attribute out, an object stays an element', () => {
    const schema = within({ id: { xml: { attribute: true } }, meta: { xml: { attribute: true } } });
    expect(xml({ id: null, meta: { a: 1 } }, schema)).toBe('<root><meta><a>1</a></meta></root>');
    expect(xml({ id: false }, schema)).toBe('<root id="false"/>');
  });
});

describe('namespaces', () => {
  it('declares a default namespace once, on the element whose schema names it', () => {
    const value = { title: 'News', entry: [{ id: '1' }, { id: '2' }] };
    expect(xml(value, { $ref: '#/components/schemas/Feed' })).toBe('<feed xmlns="http://www.w3.org/2005/Atom"><title>News</title><entry><id>1</id></entry><entry><id>2</id></entry></feed>');
  });

  it('declares a prefix once where nested elements share it, and for a prefixed attribute', () => {
    const ns = { namespace: 'urn:x', prefix: 'x' };
    const schema = { type: 'object', xml: { name: 'doc', ...ns }, properties: { item: { xml: ns }, code: { xml: { ...ns, attribute: true } } } };
    expect(xml({ code: 'c', item: 'i' }, schema)).toBe('<x:doc xmlns:x="urn:x" x:code="c"><x:item>i</x:item></x:doc>');
    const other = { type: 'object', properties: { code: { xml: { namespace: 'urn:y', prefix: 'y', attribute: true } } } };
    expect(xml({ code: 'c' }, other)).toBe('<xml xmlns:y="urn:y" y:code="c"/>');
  });
});

describe('hostile values', () => {
  it('escapes text and attribute values (the builder does)', () => {
    const schema = within({ id: { xml: { attribute: true } } });
    const text = xml({ id: `<&"'>`, body: `<&"'>` }, schema);
    expect(text).toBe('<root id="&lt;&amp;&quot;&apos;&gt;"><body>&lt;&amp;&quot;&apos;&gt;</body></root>');
    expect(XMLValidator.validate(text)).toBe(true);
  });

  it('turns property names that are not XML names into names that are, never into markup', () => {
    const value = { 'first name': 1, '1st': 2, '#text': 3, 'a:b': 4, '': 5, '?pi': 6, '<evil>': 7, 'ok-name.x': 8, 'név': 9 };
    const text = xml(value, undefined);
    expect(text).toBe('<xml><first_name>1</first_name><_1st>2</_1st><__text>3</__text><a_b>4</a_b><_>5</_><__pi>6</__pi><_evil_>7</_evil_><ok-name.x>8</ok-name.x><név>9</név></xml>');
    expect(XMLValidator.validate(text)).toBe(true);
    const attributes = xml({ 'bad name': 'v' }, within({ 'bad name': { xml: { attribute: true } } }));
    expect([attributes, XMLValidator.validate(attributes)]).toEqual(['<root bad_name="v"/>', true]);
  });

  it('writes characters XML cannot hold as U+FFFD', () => {
    const text = xml({ a: 'x\u0000y\u0001z\uD800' }, undefined);
    expect(text).toBe('<xml><a>x\uFFFDy\uFFFDz\uFFFD</a></xml>');
  });

  it('follows a recursive schema as deep as the value goes (the items are Node, whose xml.name is node)', () => {
    const value = { name: 'a', children: [{ name: 'b', children: [{ name: 'c', children: [] }] }] };
    expect(xml(value, { $ref: '#/components/schemas/Node' })).toBe('<node name="a"><node name="b"><node name="c"/></node></node>');
  });

  it('refuses a value nested deeper than 256 levels, with what to do', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 600; i++) deep = { d: deep };
    const result = toXml(deep, { $ref: '#/components/schemas/Node' }, spec);
    expect(result).toEqual({ error: expect.stringContaining('deeper than 256 levels'), hint: expect.stringContaining('shallower example') });
  });

  it('survives broken schemas: a dangling or malformed $ref, a $ref cycle, an allOf that contains itself, an xml object of the wrong types', () => {
    expect(xml({ a: 1 }, { $ref: '#/components/schemas/Missing' })).toBe('<Missing><a>1</a></Missing>');
    expect(xml({ a: 1 }, { $ref: '#/%E0%A4%A' })).toBe('<xml><a>1</a></xml>');
    const loop: Record<string, unknown> = { type: 'object' };
    loop.allOf = [loop];
    expect(xml({ a: 1 }, loop)).toBe('<xml><a>1</a></xml>');
    expect(xml({ a: 1 }, { xml: { name: 5, attribute: 'yes', wrapped: 1, prefix: {} } })).toBe('<xml><a>1</a></xml>');
  });
});
