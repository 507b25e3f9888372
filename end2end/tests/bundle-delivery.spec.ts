import type { Page, Request, Response } from "@playwright/test";
import { expect, test } from "./fixtures";
import { ADMIN, DEMO_PASSWORD } from "./accounts";
import { waitForHydration } from "./pages/hydration";
import { LoginPage, signIn } from "./pages/login-page";
import { UsersPage } from "./pages/users-page";

// The release build writes a brotli and a gzip copy of each built file, and
// the server sends the one the browser accepts: what crosses the network is
// a fraction of the WebAssembly module and its JavaScript.
test("the WebAssembly module and its JavaScript reach the browser compressed", async ({ page }) => {
  const bundle = new Map<string, Response>();
  page.on("response", (response) => {
    const path = new URL(response.url()).pathname;
    if (path === "/pkg/roster.wasm" || path === "/pkg/roster.js") bundle.set(path, response);
  });
  await page.goto("/login");
  await waitForHydration(page);

  expect([...bundle.keys()].sort()).toEqual(["/pkg/roster.js", "/pkg/roster.wasm"]);
  for (const [path, response] of bundle) {
    expect(["br", "gzip"], path).toContain(await response.headerValue("content-encoding"));
    const sent = (await response.request().sizes()).responseBodySize;
    const unpacked = (await response.body()).length;
    expect(sent, `${path}: ${sent} bytes sent for ${unpacked}`).toBeLessThan(unpacked / 2);
  }
});

// The sign-in page and the Users panel, the pages every visitor and every
// admin meets first, are live with the one module every page loads. The
// islands of other pages (a ticket, the profile, roles, a new ticket) are
// fetched as pieces of their own by the pages that have them, so they do
// not weigh on these.
test("the sign-in page and the Users panel are live with the main module alone; the profile fetches its own pieces", async ({ page }) => {
  const wasm: string[] = [];
  page.on("request", (r) => {
    const path = new URL(r.url()).pathname;
    if (path.endsWith(".wasm")) wasm.push(path);
  });
  const login = new LoginPage(page);
  await login.open();
  expect(wasm).toEqual(["/pkg/roster.wasm"]);

  await login.signIn(ADMIN.login, ADMIN.password);
  const users = new UsersPage(page);
  await users.expectShown();
  // The pointer out of the way: pointing at the list fetches the dialogs' code (below).
  await page.mouse.move(0, 0);
  wasm.length = 0;
  await page.reload();
  await waitForHydration(page);
  await expect(users.rows().first()).toBeVisible();
  expect(wasm).toEqual(["/pkg/roster.wasm"]);

  wasm.length = 0;
  await page.goto("/profile");
  await waitForHydration(page);
  // The profile's dialogs wait until a button is approached.
  expect(wasm.filter((p) => p.includes("profile_dialogs"))).toHaveLength(1);
  expect(wasm.filter((p) => p.includes("roster_profile_dialog"))).toHaveLength(0);
});

// The bundle's goal: no page makes the browser download more than 200 kB
// of WebAssembly before it is live.
const WASM_BUDGET = 200_000;

/** Opens `path` and adds up the WebAssembly the browser downloaded until the page was live. */
async function wasmDownloadedBy(page: Page, path: string) {
  const sizes: Promise<number>[] = [];
  const count = (request: Request) => {
    if (new URL(request.url()).pathname.endsWith(".wasm")) sizes.push(request.sizes().then((s) => s.responseBodySize));
  };
  page.on("requestfinished", count);
  await page.goto(path);
  await waitForHydration(page);
  await page.waitForLoadState("networkidle");
  page.off("requestfinished", count);
  const all = await Promise.all(sizes);
  return { bytes: all.reduce((sum, n) => sum + n, 0), files: all.length };
}

test("the sign-in page, the Users panel, Roles, the profile, the new-ticket form and a ticket each download at most 200 kB of WebAssembly", async ({ browser }) => {
  const newPage = async () => {
    const page = await browser.newPage();
    // Intercepting requests turns the browser's cache off: each page counts every file it needs.
    await page.route(/\/pkg\/.+\.wasm$/, (route) => route.continue());
    return page;
  };
  const measure = async (page: Page, path: string) => {
    // The pointer out of the way: pointing at the Users list fetches the dialogs' code.
    await page.mouse.move(0, 0);
    const downloaded = await wasmDownloadedBy(page, path);
    console.log(`${path}: ${downloaded.bytes} bytes of WebAssembly in ${downloaded.files} files`);
    expect(downloaded.bytes, path).toBeLessThanOrEqual(WASM_BUDGET);
    return downloaded;
  };
  const admin = await newPage();
  expect((await measure(admin, "/login")).files).toBe(1);
  await new LoginPage(admin).signIn(ADMIN.login, ADMIN.password);
  await new UsersPage(admin).expectShown();
  expect((await measure(admin, "/admin/users")).files).toBe(1);
  // Roles and the new-ticket form fetch pieces of their own besides the main module.
  expect((await measure(admin, "/admin/roles")).files).toBeGreaterThan(1);
  expect((await measure(admin, "/profile")).files).toBeGreaterThan(1);
  const customer = await newPage();
  await signIn(customer, "zoe.novak51", DEMO_PASSWORD);
  await expect(customer.getByRole("heading", { name: "Welcome, Zoe Novak" })).toBeVisible();
  expect((await measure(customer, "/tickets/new")).files).toBeGreaterThan(1);
  await customer.goto("/tickets");
  const ticket = await customer.getByRole("table", { name: "Tickets" }).getByRole("link").first().getAttribute("href");
  expect((await measure(customer, ticket!)).files).toBeGreaterThan(1);
  await admin.context().close();
  await customer.context().close();
});

// A dialog's code is fetched as soon as the pointer reaches something that
// opens one, so the dialog opens at once when clicked, with nothing left to
// fetch. `piece` names the dialogs' part of the bundle.
async function expectDialogFetchedOnApproach(page: Page, opener: string, piece: string) {
  await page.mouse.move(0, 0);
  await page.reload();
  await waitForHydration(page);

  const dialogs = page.waitForResponse((r) => r.url().includes(piece));
  await page.getByRole("button", { name: opener }).hover();
  await dialogs;
  await page.waitForLoadState("networkidle");
  const fetched: string[] = [];
  await page.route(/\/pkg\/.+\.wasm$/, (route) => {
    fetched.push(new URL(route.request().url()).pathname);
    return route.abort("internetdisconnected");
  });
  await page.getByRole("button", { name: opener }).click();
  await expect(page.getByRole("dialog", { name: opener })).toBeVisible();
  expect(fetched).toEqual([]);
}

test("pointing at New User fetches the dialogs' code before the click", async ({ page }) => {
  await signIn(page, ADMIN.login, ADMIN.password);
  await new UsersPage(page).expectShown();
  await expectDialogFetchedOnApproach(page, "New User", "roster_users_panel_dialog");
});

test("pointing at New role fetches the Roles page's dialogs' code before the click", async ({ page }) => {
  await signIn(page, ADMIN.login, ADMIN.password);
  await new UsersPage(page).expectShown();
  await page.goto("/admin/roles");
  await expectDialogFetchedOnApproach(page, "New role", "roster_roles_page_dialog");
});

test("pointing at a button of the profile fetches its dialogs' code before the click", async ({ page }) => {
  await signIn(page, ADMIN.login, ADMIN.password);
  await new UsersPage(page).expectShown();
  await page.goto("/profile");
  await expectDialogFetchedOnApproach(page, "Set up authenticator app", "roster_profile_dialog");
});

const LOAD_FAILURE = "Part of this page did not load, so some of its buttons do not work. Reload the page to try again.";

// A page whose own piece does not arrive stays as the server drew it, its
// buttons waiting for code that will not come: the page says so, and a
// reload, once the network is back, brings it to life.
test("when a page's own piece fails to arrive, the page says so", async ({ page, pageErrors }) => {
  // The network is cut on purpose. A lazy island whose piece does not arrive
  // stops with a panic (Leptos gives it no other way to fail), which the
  // page turns into the message checked below.
  pageErrors.allow(/ERR_INTERNET_DISCONNECTED|Failed to fetch|panicked at crates\/app\/src\/pages\/roles\.rs|^unreachable$/);
  await signIn(page, ADMIN.login, ADMIN.password);
  await new UsersPage(page).expectShown();
  await expect(page.locator("#load-failure")).toHaveCount(0);

  const failed: string[] = [];
  page.on("requestfailed", (r) => failed.push(new URL(r.url()).pathname));
  await page.route(/\/pkg\/.+\.wasm$/, (route) =>
    route.request().url().endsWith("/pkg/roster.wasm") ? route.continue() : route.abort("internetdisconnected"),
  );
  await page.goto("/admin/roles");
  await expect(page.getByRole("alert")).toHaveText(LOAD_FAILURE);
  expect(failed.length).toBeGreaterThan(0);
  await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");

  await page.unroute(/\/pkg\/.+\.wasm$/);
  await page.reload();
  await waitForHydration(page);
  await expect(page.locator("#load-failure")).toHaveCount(0);
  await page.getByRole("button", { name: "New role" }).click();
  await expect(page.getByRole("dialog", { name: "New role" })).toBeVisible();
});

// When the browser's module does not arrive at all, the sign-in page stays
// as the server rendered it: the form then posts as it does without
// JavaScript, and the admin still gets in.
test("when the module fails to arrive, the sign-in form still signs in", async ({ page, pageErrors }) => {
  // The network is cut on purpose.
  pageErrors.allow(/ERR_INTERNET_DISCONNECTED|Failed to fetch/);
  const failed: string[] = [];
  page.on("requestfailed", (r) => failed.push(new URL(r.url()).pathname));
  await page.route(/\/pkg\/roster\.wasm$/, (route) => route.abort("internetdisconnected"));
  await page.goto("/login");
  await expect.poll(() => failed.filter((p) => p === "/pkg/roster.wasm").length).toBe(1);
  await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
  await expect(page.getByRole("alert")).toHaveText(LOAD_FAILURE);
  await page.getByLabel("Login or email").fill(ADMIN.login);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/admin\/users$/);
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
});
