import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '@stockwire/local-stack';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's Chromium: `apt-get update && apt-get install -y chromium`. */
export const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where tests write screenshots (git-ignored). */
export const SCREENSHOTS = join(PROJECT_ROOT, 'test-results');

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /**
   * Host names the browser resolves to 127.0.0.1 (its own resolver rules: nothing else on the
   * machine or the network sees them), to open a store as `http://<name>:<port>/`.
   */
  hostNames?: string[];
}

/** Headless Chromium with a new, empty profile, removed again on close. */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing; install it with: apt-get update && apt-get install -y chromium`,
    );
  }
  const userDataDir = await mkdtemp(join(tmpdir(), 'stockwire-chromium-'));
  await mkdir(SCREENSHOTS, { recursive: true });
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: options.hostNames?.length
      ? [
          ...ARGS,
          `--host-resolver-rules=${options.hostNames.map((h) => `MAP ${h} 127.0.0.1`).join(', ')}`,
        ]
      : ARGS,
    viewport: { width: 1440, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
