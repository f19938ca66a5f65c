// Debian's Chromium for the browser tests (scripts/ensure-test-tools.sh installs it), driven by playwright-core:
// headless, no sandbox (CI runs as root), nothing in the background that could reach the network.
import * as fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Launches Chromium; `ignoreCertificateErrors` for pages served with a certificate the test made. */
export function launchChromium(ignoreCertificateErrors = false): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...(ignoreCertificateErrors ? ['--ignore-certificate-errors'] : []),
    ],
  });
}
