-- The index of short words splits in two (PostgreSQL): one of single
-- characters, one of pairs.
--
-- 0015's one index held each user's characters and pairs, some 120 keys a
-- user, and building it was the longest step of a bulk load: 141 s for a
-- million users, while the trigram index took 53 s and the others seconds.
-- PostgreSQL builds an index on one core. Apart, the pairs take 88 s and
-- the characters 40 s, each on a core of its own (`finish_bulk_load`), and
-- a search looks a one-character word up among characters and a
-- two-character word among pairs, each index smaller than the one was.
CREATE FUNCTION roster_search_characters(document TEXT) RETURNS TEXT[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000
RETURN string_to_array(document, NULL);

-- Every pair of neighbouring characters: those from the first character
-- on, then those from the second.
CREATE FUNCTION roster_search_pairs(document TEXT) RETURNS TEXT[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 10000
RETURN string_to_array(regexp_replace(document, '(..)', '\1' || chr(1), 'g'), chr(1))
    || string_to_array(regexp_replace(substr(document, 2), '(..)', '\1' || chr(1), 'g'), chr(1));

DROP INDEX IF EXISTS users_search_grams;
DROP FUNCTION roster_search_grams(TEXT);
CREATE INDEX users_search_characters ON users USING gin (roster_search_characters(search_document COLLATE "C"));
CREATE INDEX users_search_pairs ON users USING gin (roster_search_pairs(search_document COLLATE "C"));
