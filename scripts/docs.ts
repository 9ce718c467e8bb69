/** `npm run docs`: regenerates the generated sections of README.md. */
import * as fs from 'node:fs';
import { withFreshMatrix } from './release-matrix';
import { withFreshWalkthrough } from './readme-walkthrough';

const README = 'README.md';
fs.writeFileSync(README, withFreshWalkthrough(withFreshMatrix(fs.readFileSync(README, 'utf8'))));
process.stdout.write(`${README}: release matrix and Istio 1.1 walkthrough regenerated\n`);
