-- The index of characters and pairs compares its keys in byte order
-- (PostgreSQL).
--
-- 0014's index compared the characters and pairs by the database's
-- collation, which for most locales means asking the C library for every
-- comparison: building it for a million users took three times as long as
-- the trigram index. The keys are only ever looked up for equality, so byte
-- order serves as well; the store asks with the same expression.
DROP INDEX IF EXISTS users_search_grams;
CREATE INDEX users_search_grams ON users USING gin (roster_search_grams(search_document COLLATE "C"));
