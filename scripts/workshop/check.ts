/**
 * `npm run workshop:check`: is this laptop ready for the workshop? One line per tool,
 * ✓ or ✗, what was found, and for each ✗ the line that fixes it. Exits 0 when every
 * required check passes (the optional ones only print). check.sh runs first, for the
 * checks that must pass before TypeScript can run at all.
 */
import { checks } from './check-items.ts';

const width = Math.max(...checks.map((check) => check.name.length + (check.required ? 0 : ' (optional)'.length)));
let missingRequired = 0;
let missingOptional = 0;
console.log('hardq workshop check');
for (const check of checks) {
  const outcome = await check.run();
  const label = `${check.name}${check.required ? '' : ' (optional)'}`.padEnd(width);
  console.log(`${outcome.ok ? '✓' : '✗'} ${label}  ${outcome.found}`);
  if (!outcome.ok) {
    if (outcome.fix) console.log(`  ${' '.repeat(width)}  fix: ${outcome.fix}`);
    if (check.required) missingRequired++;
    else missingOptional++;
  }
}
const optional = missingOptional ? ` (${missingOptional} optional missing)` : '';
if (missingRequired === 0) console.log(`ready: every required check passes${optional}`);
else console.log(`not ready: ${missingRequired} required ${missingRequired === 1 ? 'check fails' : 'checks fail'}${optional}; run the fix lines above, then npm run workshop:check again`);
// exit, not exitCode: a check that left a socket or a timer behind must not hold the answer.
process.exit(missingRequired === 0 ? 0 : 1);
