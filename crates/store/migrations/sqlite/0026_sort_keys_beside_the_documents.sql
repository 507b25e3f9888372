-- The sort keys of `user_search_text` again, beside each user's id (SQLite).
--
-- A search whose matches are collected and sorted by name, login or email
-- reads each candidate's key. From the table, each read brings the whole
-- row, document and all, and a million rows fill about 300 MB; this index
-- holds the keys alone, a third of that. Sorting the 38,000 users `chloé`
-- finds by login took 60 ms through the table and 37 ms through the index.
CREATE INDEX user_search_keys ON user_search_text (user_id, name_key, login_key, email_key);
