import { expect, type Page } from "@playwright/test";
import { waitForHydration } from "./hydration";

/** `/tickets` and `/tickets/:number`, as customers and agents use them. */
export class TicketPages {
  constructor(private readonly page: Page) {}

  async openList(heading: "Tickets" | "My tickets") {
    await this.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: heading }).click();
    await expect(this.page.getByRole("heading", { name: heading, level: 1 })).toBeVisible();
    await waitForHydration(this.page);
  }

  /** Opens the ticket whose title is `title` from the list. */
  async open(title: string) {
    await this.page.getByRole("table", { name: "Tickets" }).getByRole("link", { name: title }).first().click();
    await expect(this.page.getByRole("heading", { level: 1 })).toContainText(title);
    await waitForHydration(this.page);
  }

  articles() {
    return this.page.getByRole("region", { name: "Conversation" }).getByRole("article");
  }

  replyBox() {
    return this.page.getByLabel("Your reply");
  }

  async reply(text: string) {
    await this.replyBox().fill(text);
    await this.page.getByRole("button", { name: "Send reply" }).click();
    await expect(this.articles().last()).toContainText(text);
  }
}
