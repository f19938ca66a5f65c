// Exercises every native entry point (placeholder: filled by the native work). Run under valgrind/ASan.
const { native } = require('../../dist/backend/load');
if (!native) { console.error('memcheck: addon not loaded'); process.exit(1); }
console.log('memcheck: ok');
