/* eslint-disable @typescript-eslint/no-explicit-any */
/** A small spec every rule's pair starts from. */
export function baseDoc(): any {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Diff rules', version: '1.0.0',
      'x-slo': {
        window: '28d', availability: 99.9,
        latency: [{ name: 'fast', threshold: '300ms', target: 95 }, { name: 'p99', percentile: 99, max: '800ms' }],
        consumers: { tiers: { gold: { availability: 99.95 }, free: { availability: 99 } } },
        maintenance: [{ name: 'patching', rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=2', duration: '1h', timeZone: 'UTC', effect: { availability: 90 } }],
      },
    },
    components: {
      securitySchemes: { key: { type: 'apiKey', in: 'header', name: 'X-Api-Key' }, bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Pet: { type: 'object', required: ['id', 'name'], properties: { id: { type: 'integer' }, name: { type: 'string', maxLength: 50 }, status: { type: 'string', enum: ['available', 'sold'] }, tag: { type: 'string' } } },
        NewPet: { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 50, minLength: 1 }, kind: { type: 'string', enum: ['cat', 'dog', 'bird'] }, age: { type: 'integer', maximum: 40 }, tag: { type: 'string' }, owner: { oneOf: [{ type: 'string' }, { type: 'integer' }] } } },
      },
    },
    security: [{ key: [] }],
    paths: {
      '/pets': {
        get: {
          operationId: 'listPets',
          parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', maximum: 100 } }, { name: 'kind', in: 'query', schema: { type: 'string' } }],
          responses: {
            200: { description: 'ok', content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Pet' } } } } },
            404: { description: 'none' },
          },
        },
        post: {
          operationId: 'createPet',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/NewPet' } }, 'application/x-www-form-urlencoded': { schema: { $ref: '#/components/schemas/NewPet' } } } },
          responses: { 201: { description: 'created', content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } } } },
        },
      },
      '/pets/{petId}': {
        get: {
          operationId: 'showPet',
          security: [],
          parameters: [{ name: 'petId', in: 'path', required: true, schema: { type: 'integer' } }],
          responses: { 200: { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } } } },
        },
      },
    },
  };
}

