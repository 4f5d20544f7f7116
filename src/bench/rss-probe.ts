import { writeFileSync } from 'node:fs';

// Preloaded with `node --import` into the pgdrill CLI the bench runs: at exit, the process's peak resident
// set (getrusage ru_maxrss, KiB) goes to the file the bench named. The CLI itself is not changed.
const file = process.env.PGDRILL_BENCH_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
