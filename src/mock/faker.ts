/**
 * prism-http generates data with @faker-js/faker, whose main module builds a Faker with all of its 50-odd
 * locales (a third of the mock's start-up time and some 55 MB), of which json-schema-faker only ever uses
 * English (the default locale, with English as fallback). Imported before prism-http, this module puts
 * faker's own English-only build (`@faker-js/faker/locale/en`, the same Faker class, the same English
 * data: generated bodies are byte for byte the same) in the module cache under the name prism-http
 * requires, so prism-http's `require("@faker-js/faker").default` is that Faker.
 */
import { createRequire } from 'node:module';

const prismRequire = createRequire(createRequire(import.meta.url).resolve('@stoplight/prism-http'));
const main = prismRequire.resolve('@faker-js/faker');
if (prismRequire.cache[main] === undefined) {
  const english = prismRequire('@faker-js/faker/locale/en') as object;
  const exports = { __esModule: true, default: english, faker: english };
  // A Module stand-in: require() reads `exports` and `loaded` of a cached entry.
  prismRequire.cache[main] = { id: main, filename: main, loaded: true, exports, children: [], paths: [] } as unknown as NodeJS.Module;
}
