// Preloaded with NODE_OPTIONS="--require bench/cpu-profile-hook.cjs" (bench/indexer.ts does this
// for the processor when BENCH_PROCESSOR_PROFILE_DIR is set): records a V8 CPU profile of the
// whole process and writes it to $BENCH_CPU_PROFILE_FILE on exit. Node refuses --cpu-prof in
// NODE_OPTIONS, and the processor is started with fixed arguments.
const { Session } = require('node:inspector');
const { mkdirSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const file = process.env.BENCH_CPU_PROFILE_FILE;
if (file) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  process.on('exit', () => {
    // An in-process session answers synchronously, so this completes before the process ends.
    session.post('Profiler.stop', (error, result) => {
      if (error) return;
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(result.profile));
    });
  });
}
