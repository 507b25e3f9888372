import { expect, test } from "./fixtures";
import { DEMO_PASSWORD } from "./accounts";
import { LoginPage } from "./pages/login-page";
import { signInToUsersPanel } from "./pages/users-page";
import { waitForHydration } from "./pages/hydration";

// start-roster.sh made three demo customers dormant for 180 days or more
// (two last signed in 200 days ago, one never since its creation 300 days
// ago) and one for 100 days, and starts Roster with
// deactivate-dormant-after-days = 180: its schedule deactivated the three.
const DEACTIVATED = ["kira.okafor88", "rosa.garcia69", "tara.garcia71"];
const QUIET = "umar.garcia72";

test("accounts without a sign-in for long show in their filter, and Roster deactivated the oldest", async ({ page }) => {
  const users = await signInToUsersPanel(page);
  await users.facetToggle("No sign-in for 90 days").click();
  await expect(page).toHaveURL(/only=dormant/);
  await expect(users.count()).toHaveText("4 users");
  for (const login of DEACTIVATED) {
    await expect(users.row(login)).toContainText("Deactivated for inactivity");
  }
  await expect(users.row(QUIET)).not.toContainText("Deactivated for inactivity");
  await expect(users.row(QUIET)).not.toContainText("Inactive");

  // With a search: the filter narrows the matches.
  await users.search("garcia");
  await expect(users.count()).toHaveText("3 users");

  // Each deactivation is in the audit log, with the account it took.
  await page.goto("/admin/audit?action=user.deactivate_dormant");
  await waitForHydration(page);
  const events = page.getByRole("table").getByRole("row").filter({ hasText: "Deactivated for inactivity" });
  await expect(events).toHaveCount(3);
  for (const login of DEACTIVATED) {
    await expect(events.filter({ hasText: login })).toHaveCount(1);
  }
});

test("a deactivated account cannot sign in", async ({ page, pageErrors }) => {
  pageErrors.allowStatuses(401);
  const login = new LoginPage(page);
  await login.open();
  await login.signIn("rosa.garcia69", DEMO_PASSWORD);
  await expect(login.error()).toHaveText("Wrong login or password.");
});
