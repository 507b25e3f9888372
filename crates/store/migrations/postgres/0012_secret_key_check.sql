-- Authenticator secrets are stored sealed under Roster's secret key. This one
-- sealed value lets Roster tell at start-up that it was given the key they are
-- sealed under, even before any secret is stored.
CREATE TABLE secret_key_check (
    id SMALLINT PRIMARY KEY CHECK (id = 1),
    sealed TEXT NOT NULL
);
