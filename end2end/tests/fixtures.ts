import { test as base, expect, type BrowserContext, type Page } from "@playwright/test";

/**
 * What a test tells the page-error watch it provokes on purpose: an answer
 * with an error status (a wrong password's 401), which the browser logs, or
 * an error message (a piece of the bundle the test keeps from arriving).
 */
export type PageErrors = {
  allowStatuses(...statuses: number[]): void;
  allow(message: RegExp): void;
};

/**
 * Every test imports `test` from here: it fails on any error a page of the
 * test logs or throws (`pageerror`, console errors) in any browser context
 * the test opens, including errors raised after the test's last assertion.
 */
export const test = base.extend<{ pageErrors: PageErrors }>({
  pageErrors: [
    async ({ context, browser }, use) => {
      const errors: string[] = [];
      const allowed: RegExp[] = [];
      const statusMessage = (status: number) =>
        new RegExp(`the server responded with a status of ${status} `);
      const watch = (page: Page) => {
        const report = (message: string) => {
          if (!allowed.some((a) => a.test(message))) errors.push(`${page.url()}: ${message}`);
        };
        page.on("pageerror", (e) => report(e.message));
        page.on("console", (m) => {
          if (m.type() === "error") report(m.text());
        });
      };
      const watchContext = (c: BrowserContext) => {
        c.pages().forEach(watch);
        c.on("page", watch);
      };
      watchContext(context);
      // Contexts the test opens itself (a second user, a browser without
      // JavaScript) are watched too.
      const newContext = browser.newContext;
      browser.newContext = async (...args) => {
        const opened = await newContext.apply(browser, args);
        watchContext(opened);
        return opened;
      };
      await use({
        allowStatuses: (...statuses) => allowed.push(...statuses.map(statusMessage)),
        allow: (message) => allowed.push(message),
      });
      browser.newContext = newContext;
      // A panic in a handler that ran as the test ended shows up a moment later.
      const open = [context, ...browser.contexts()].flatMap((c) => c.pages()).filter((p) => !p.isClosed());
      await Promise.all(open.map((p) => p.waitForTimeout(300).catch(() => undefined)));
      expect(errors, "errors the pages logged or threw").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
