import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (VIGIL_CHROMIUM overrides), headless, without anything that reaches out to the network on its own. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A page of the web app and what went wrong on it: console errors, uncaught exceptions, CSP violations, dialogs (an `alert()` an event smuggled in would open one). */
export interface WatchedPage {
  readonly page: Page;
  readonly problems: string[];
}

/** Opens `url` in a new page (laptop-sized by default) that records every problem. */
export async function openWatched(browser: Browser, url: string, viewport = { width: 1440, height: 900 }): Promise<WatchedPage> {
  const page = await browser.newPage({ viewport });
  const problems: string[] = [];
  page.on('console', (message) => {
    // The browser logs every HTTP error answer; tests provoke some (a bad query, a wrong password, a 403) on purpose.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('dialog', (dialog) => {
    problems.push(`dialog opened: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.goto(url);
  return { page, problems };
}

/** Signs in through the login form. */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('whoami').waitFor();
}
