/** `npm run docs`: regenerates the generated sections of README.md. */
import * as fs from 'node:fs';
import { withFreshMatrix } from './release-matrix';

const README = 'README.md';
fs.writeFileSync(README, withFreshMatrix(fs.readFileSync(README, 'utf8')));
process.stdout.write(`${README}: release matrix regenerated\n`);
