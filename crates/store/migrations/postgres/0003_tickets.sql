-- Tickets, their articles (replies) and time entries: the helpdesk data
-- that deleting a customer destroys. Times are Unix seconds (UTC).

CREATE TABLE tickets (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- What people quote ("#10042"); ids stay internal.
    number BIGINT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'new',
    -- The customer the ticket belongs to; deleting them deletes it.
    customer_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX tickets_by_customer ON tickets (customer_id, id);

CREATE TABLE articles (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    -- NULL once the author is deleted: shown as "Deleted user".
    author_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX articles_by_ticket ON articles (ticket_id, id);
CREATE INDEX articles_by_author ON articles (author_id);

CREATE TABLE time_entries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    -- NULL once the user is deleted: shown as "Deleted user".
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    -- Hundredths of an hour, so sums stay exact.
    centihours BIGINT NOT NULL CHECK (centihours > 0),
    created_at BIGINT NOT NULL
);
CREATE INDEX time_entries_by_ticket ON time_entries (ticket_id);
CREATE INDEX time_entries_by_user ON time_entries (user_id);
