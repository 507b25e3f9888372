import { expect, type Page } from "@playwright/test";
import { ADMIN } from "../accounts";
import { waitForHydration } from "./hydration";
import { LoginPage } from "./login-page";

/** Signs in as the admin, who lands on the Users panel. */
export async function signInToUsersPanel(page: Page) {
  const login = new LoginPage(page);
  await login.open();
  await login.signIn(ADMIN.login, ADMIN.password);
  const users = new UsersPage(page);
  await users.expectShown();
  return users;
}

/** Deletes every user `search` matches, as a bulk action through the server functions. */
export async function deleteUsersMatching(page: Page, text: string) {
  const selection = { AllMatches: { text } };
  const previewed = await page.request.post("/api/preview_bulk_action", { data: { action: "Delete", selection } });
  expect(previewed.status(), await previewed.text()).toBe(200);
  const { run } = await previewed.json();
  for (let chunk = 0; chunk < 10; chunk++) {
    const answer = await page.request.post("/api/run_bulk_action", { data: { run, confirmation: "DELETE" } });
    expect(answer.status(), await answer.text()).toBe(200);
    if ((await answer.json()).state === "Finished") return;
  }
  throw new Error(`deleting the ${text} users never finished`);
}

export class UsersPage {
  constructor(private readonly page: Page) {}

  async expectShown() {
    await expect(this.page).toHaveURL(/\/admin\/users/);
    await expect(this.page.getByRole("heading", { name: "Users", level: 1 })).toBeVisible();
    await waitForHydration(this.page);
  }

  table() {
    return this.page.getByRole("table", { name: "Users" });
  }

  rows() {
    return this.table().getByRole("row");
  }

  /** The line that says how many users match. */
  count() {
    return this.page.locator("#user-count");
  }

  /** What the panel confirms after a save or a deletion. */
  notice() {
    return this.page.locator(".notice");
  }

  exportButton() {
    return this.page.getByRole("link", { name: "Export CSV" });
  }

  newUserButton() {
    return this.page.getByRole("button", { name: "New User" });
  }

  dialog(
    title: "New User" | "Edit User" | "Delete User" | "Manage Two-Factor Authentication" | "View from user's perspective",
  ) {
    return this.page.getByRole("dialog", { name: title });
  }

  /** The Merge into… dialog of the user `login`. */
  mergeDialog(login: string) {
    return this.page.getByRole("dialog", { name: `Merge ${login} into…` });
  }

  /** A field of the open dialog, by its label. */
  field(label: string) {
    return this.page.getByRole("dialog").getByLabel(label, { exact: true });
  }

  /** The error shown under a field of the open dialog. */
  fieldError(id: string) {
    return this.page.locator(`#user-${id}-error`);
  }

  row(login: string) {
    return this.rows().filter({ has: this.page.getByRole("button", { name: `Edit ${login}`, exact: true }) });
  }

  actionsButton(login: string) {
    return this.page.getByRole("button", { name: `Actions for ${login}` });
  }

  /** Opens a row's ⋮ Actions menu and returns it. */
  async openActions(login: string) {
    await this.actionsButton(login).click();
    const menu = this.page.getByRole("menu", { name: `Actions for ${login}` });
    await expect(menu).toBeVisible();
    return menu;
  }

  /** Searches for one user and waits until their row is the only one. */
  async findOnly(login: string) {
    await this.search(login);
    await expect(this.count()).toHaveText("1 user");
    await expect(this.row(login)).toBeVisible();
  }

  searchBox() {
    return this.page.getByRole("searchbox", { name: "Search for users" });
  }

  /** Types like a person, one key at a time. */
  async search(text: string) {
    await this.searchBox().fill("");
    await this.searchBox().pressSequentially(text, { delay: 30 });
  }

  roleToggle(role: string) {
    return this.page.getByRole("group", { name: "Roles" }).getByRole("button", { name: role, exact: true });
  }

  facetToggle(facet: string) {
    return this.page.getByRole("group", { name: "Show only" }).getByRole("button", { name: facet });
  }

  sortBy() {
    return this.page.getByLabel("Sort by");
  }

  nextPage() {
    return this.page.getByRole("link", { name: "Next page →" });
  }

  firstPage() {
    return this.page.getByRole("link", { name: "← First page" });
  }

  /** Follows "Next page" and waits for exactly that page's rows. */
  async goToNextPage() {
    const next = await this.nextPage().getAttribute("href");
    const firstRow = await this.rows().nth(1).innerText();
    await this.nextPage().click();
    await expect(this.page).toHaveURL(next!);
    await expect(this.rows().nth(1)).not.toHaveText(firstRow);
  }

  /** ⋮ Actions → View from user's perspective, for `reason`. */
  async viewAs(login: string, reason: string) {
    const menu = await this.openActions(login);
    await menu.getByRole("menuitem", { name: "View from user's perspective" }).click();
    const dialog = this.dialog("View from user's perspective");
    await dialog.getByLabel("Reason (for the audit log)").fill(reason);
    await dialog.getByRole("button", { name: "View as this user" }).click();
  }

  async signOut() {
    await this.page.getByRole("button", { name: /Account menu for/ }).click();
    const menu = this.page.getByRole("menu", { name: "Account" });
    await expect(menu).toBeVisible();
    await menu.getByRole("menuitem", { name: "Sign out" }).click();
  }
}
