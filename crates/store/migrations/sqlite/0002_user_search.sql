-- Finding any user among millions (SQLite).
--
-- Every user has one search document: the attributes an admin searches by,
-- one per line. An FTS5 table with the trigram tokenizer indexes it, so any
-- substring of three or more characters is found through the index, ignoring
-- case. The table is contentless (the text lives in `users` only) and kept in
-- step with `users` and `organizations` by triggers.

ALTER TABLE users ADD COLUMN name_normalized TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN two_factor_enabled BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE users SET name_normalized = lower(trim(last_name || ' ' || first_name));

-- Sort orders; each ends with the id so pages neither overlap nor skip.
CREATE INDEX users_by_name ON users (name_normalized, id);
CREATE INDEX users_by_login ON users (login_normalized, id);
CREATE INDEX users_by_email ON users (COALESCE(email_normalized, '~'), id);
CREATE INDEX users_by_last_login ON users (COALESCE(last_login_at, 0), id);
-- Facets that pick out few users.
CREATE INDEX users_with_failed_logins ON users (failed_logins) WHERE failed_logins > 0;
CREATE INDEX users_inactive ON users (id) WHERE NOT active;
CREATE INDEX users_by_organization ON users (organization_id);

CREATE VIEW user_search_documents AS
SELECT u.id,
       u.first_name || ' ' || u.last_name || char(10) || u.login || char(10) || COALESCE(u.email, '') || char(10)
       || u.phone || char(10) || u.mobile || char(10) || COALESCE(o.name, '') || char(10) || u.department
       || char(10) || u.city || char(10) || u.note AS document
FROM users u LEFT JOIN organizations o ON o.id = u.organization_id;

CREATE VIRTUAL TABLE user_search USING fts5 (
    document, tokenize = 'trigram', content = '', contentless_delete = 1
);
INSERT INTO user_search (rowid, document) SELECT id, document FROM user_search_documents;

CREATE TRIGGER user_search_after_insert AFTER INSERT ON users BEGIN
    INSERT INTO user_search (rowid, document) SELECT id, document FROM user_search_documents WHERE id = new.id;
END;

CREATE TRIGGER user_search_after_update
AFTER UPDATE OF first_name, last_name, login, email, phone, mobile, organization_id, department, city, note ON users
BEGIN
    DELETE FROM user_search WHERE rowid = old.id;
    INSERT INTO user_search (rowid, document) SELECT id, document FROM user_search_documents WHERE id = new.id;
END;

CREATE TRIGGER user_search_after_delete AFTER DELETE ON users BEGIN
    DELETE FROM user_search WHERE rowid = old.id;
END;

CREATE TRIGGER user_search_after_organization_rename AFTER UPDATE OF name ON organizations BEGIN
    DELETE FROM user_search WHERE rowid IN (SELECT id FROM users WHERE organization_id = new.id);
    INSERT INTO user_search (rowid, document)
    SELECT d.id, d.document FROM users u JOIN user_search_documents d ON d.id = u.id WHERE u.organization_id = new.id;
END;
