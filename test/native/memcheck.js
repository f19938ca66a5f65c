// Exercises every native entry point on plain node (no jest) so valgrind/ASan can watch the addon.
// Each hot path keeps its own checks in memcheck-<name>.js; this file only runs them.
const { native } = require('../../dist/backend/load');
if (!native) { console.error('memcheck: addon not loaded'); process.exit(1); }
for (const part of ['mask', 'json', 'http-head', 'ws-accept']) {
  try { require.resolve(`./memcheck-${part}.js`); } catch { continue; }
  require(`./memcheck-${part}.js`)(native);
  console.log(`memcheck-${part}: ok`);
}
