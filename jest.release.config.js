// The release checks (npm run test:release, run by .ci/run): the real `npm pack` with its prebuilds,
// installed as a user installs it, on x64 and on arm64 under qemu. Slow (cross builds, emulation), so
// kept out of the default suite, which .ci/run runs on every Node line.
const base = require('./jest.config.js');

module.exports = { ...base, testMatch: ['**/*.release.ts'], testTimeout: 600000 };
