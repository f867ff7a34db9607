// A tiny upstream that keeps the petstore contract: the thing being proxied in the benchmark.
import http from 'node:http';

const pets = JSON.stringify([{ id: 1, name: 'Rex', tag: 'dog' }, { id: 2, name: 'Tom', tag: 'cat' }]);
const server = http.createServer((req, res) => {
  if (req.method === 'POST') {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.stringify({ id: 3, ...JSON.parse(Buffer.concat(chunks).toString() || '{}') });
      res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), location: '/v1/pets/3' });
      res.end(body);
    });
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(pets) });
  res.end(pets);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => process.send?.({ port: server.address().port }));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
