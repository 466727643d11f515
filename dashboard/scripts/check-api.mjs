// Fails when src/api/schema.d.ts is stale versus openapi.json (run `npm run gen:api`).
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const out = join(mkdtempSync(join(tmpdir(), 'lookout-api-')), 'schema.d.ts');
execFileSync('npx', ['openapi-typescript', 'openapi.json', '-o', out], { stdio: 'ignore' });
if (readFileSync(out, 'utf8') !== readFileSync('src/api/schema.d.ts', 'utf8')) {
  console.error('src/api/schema.d.ts is stale versus openapi.json: run `npm run gen:api`');
  process.exit(1);
}
console.log('API types are up to date');
