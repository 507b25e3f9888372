-- A Users page in an order other than by creation, of a search many users
-- match, walks that order's index and checks each user against the search.
-- Each index of an order now holds what the search checks — the search
-- document and the facets' columns — so the walk reads the index alone
-- (once VACUUM has marked the table's pages all-visible) instead of a row
-- of the table per user: a third of a microsecond per user instead of
-- several, so bunched matches (every `chloé` among the `chloe.` logins)
-- are reached by walking rather than by collecting tens of thousands of
-- rows. Keys and names stay as they were. The order by last sign-in keeps
-- its narrow index: most users share its key (never signed in) and follow
-- each other by id, so matches do not bunch there, and every index this
-- wide costs each write of a user.
DROP INDEX IF EXISTS users_by_name;
CREATE INDEX users_by_name ON users (name_normalized, id)
    INCLUDE (search_document, active, last_login_at, locked_until, two_factor_enabled);
DROP INDEX IF EXISTS users_by_login;
CREATE INDEX users_by_login ON users (login_normalized, id)
    INCLUDE (search_document, active, last_login_at, locked_until, two_factor_enabled);
DROP INDEX IF EXISTS users_by_email;
CREATE INDEX users_by_email ON users ((COALESCE(email_normalized, '~')), id)
    INCLUDE (email_normalized, search_document, active, last_login_at, locked_until, two_factor_enabled);
