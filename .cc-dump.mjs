import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
const doc = parse(readFileSync('/work/shared/psp-specs/currencycloud/reference.yaml','utf8'), {maxAliasCount:-1});
const ops = process.argv.slice(2);
for (const op of ops) {
  const [m, p] = op.split(' ');
  const o = doc.paths[p][m];
  console.log(`== ${m.toUpperCase()} ${p} consumes=${o.consumes} `);
  for (const par of o.parameters ?? []) {
    const pp = par.$ref ? doc.parameters[par.$ref.split('/').pop()] : par;
    console.log(`  ${pp.in} ${pp.name}${pp.required?' *':''} ${pp.type??''} ${pp.format??''} ${pp.enum?JSON.stringify(pp.enum):''} ${pp.pattern??''} ${(pp.description??'').replace(/\s+/g,' ').slice(0,150)}`);
  }
  for (const [code, r] of Object.entries(o.responses)) {
    console.log(`  -> ${code} ${JSON.stringify(r.schema??'')} ${r['x-errors']? r['x-errors'].map(e=>e.code).join(','):''}`);
  }
}
