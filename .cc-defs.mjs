import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
const doc = parse(readFileSync('/work/shared/psp-specs/currencycloud/reference.yaml','utf8'), {maxAliasCount:-1});
for (const name of process.argv.slice(2)) {
  const d = doc.definitions[name];
  console.log(`== ${name} required=${JSON.stringify(d.required)} type=${d.type}`);
  const props = d.properties ?? {};
  for (const [k, v] of Object.entries(props)) console.log(`  ${k}: ${v.type??''}${v.$ref??''} ${v.format??''} ${v.enum?JSON.stringify(v.enum):''} ${v.items?JSON.stringify(v.items):''} ${v['x-nullable']?'nullable':''} ${(v.description??'').replace(/\s+/g,' ').slice(0,90)}`);
  if (!d.properties) console.log(JSON.stringify(d).slice(0,1500));
}
