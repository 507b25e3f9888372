import { expect, test, type Response } from "@playwright/test";
import { waitForHydration } from "./pages/hydration";

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
