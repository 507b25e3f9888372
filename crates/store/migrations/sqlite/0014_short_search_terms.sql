-- Words of one and two characters through an index (SQLite).
--
-- The trigram index (0002) finds words of three or more characters; a word
-- of one or two, above all a rare one (`ü`, `ß`, `-`), used to be checked
-- against every user's document. `user_search_grams` indexes every character
-- and every pair of adjacent characters of each document: the store writes
-- the document "spread", a marker (U+E001) around every character, so the
-- trigram tokenizer sees `⁅c⁆` for each character c and `a⁅b` for each pair
-- ab. A word of one or two characters is then one term of this index. It
-- keeps only which users hold a term (detail = none), so it is small.
CREATE VIRTUAL TABLE user_search_grams USING fts5 (
    grams, tokenize = 'trigram', content = '', contentless_delete = 1, detail = none
);

-- Each document lower-cased (as the store lower-cases typed words), so a
-- part of a search that does not pick the candidates is checked against
-- each of them with one lookup and `instr`, whatever the word; with the
-- user's keys of the name, login and email orders, so sorting candidates
-- reads this narrow row alone.
CREATE TABLE user_search_text (
    user_id INTEGER PRIMARY KEY,
    text TEXT NOT NULL,
    name_key TEXT NOT NULL,
    login_key TEXT NOT NULL,
    email_key TEXT NOT NULL
);

CREATE TRIGGER user_search_grams_after_delete AFTER DELETE ON users BEGIN
    DELETE FROM user_search_grams WHERE rowid = old.id;
    DELETE FROM user_search_text WHERE user_id = old.id;
END;

-- The users whose grams the store has still to write; it writes them on
-- start, then empties this table (here: every user of an existing database).
CREATE TABLE user_search_grams_pending (user_id INTEGER PRIMARY KEY);
INSERT INTO user_search_grams_pending (user_id) SELECT id FROM users;

-- "Never signed in" picks out few users once a helpdesk is in use.
CREATE INDEX users_never_signed_in ON users (id) WHERE last_login_at IS NULL;

-- Two-character words no longer list the trigram index's vocabulary.
DROP TABLE user_search_terms;
