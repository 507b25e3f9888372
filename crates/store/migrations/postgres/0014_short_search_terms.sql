-- Words of one and two characters through an index (PostgreSQL).
--
-- pg_trgm finds words of three or more characters; a word of one or two,
-- above all a rare one (`ü`, `ß`, `-`), used to be checked against every
-- user's document. This GIN index holds, per user, every character and
-- every pair of adjacent characters of the search document (in the form
-- roster_search_text gives it): splitting the text into pairs twice, from
-- its first and from its second character, yields every pair. A word of one
-- or two characters is then one key of the index: `grams @> ARRAY[word]`.
-- Working the pairs out costs some twenty microseconds per user: the
-- function says so (COST; being STRICT, which its body is not, keeps it from
-- being inlined, which would hide the cost), so the planner reads the index
-- rather than work them out user by user. The store asks for it only for
-- words few users contain.
CREATE FUNCTION roster_search_grams(document TEXT) RETURNS TEXT[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 10000
RETURN string_to_array(document, NULL)
    || string_to_array(regexp_replace(document, '(..)', '\1' || chr(1), 'g'), chr(1))
    || string_to_array(regexp_replace(substr(document, 2), '(..)', '\1' || chr(1), 'g'), chr(1));

CREATE INDEX users_search_grams ON users USING gin (roster_search_grams(search_document));

-- "Never signed in" picks out few users once a helpdesk is in use.
CREATE INDEX users_never_signed_in ON users (id) WHERE last_login_at IS NULL;
