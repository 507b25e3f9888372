-- Faster bulk loads (PostgreSQL).
--
-- Role changes refresh `users.role_tokens` once per statement, over the users
-- the statement touched, instead of once per user_roles row. The store
-- writes the tokens with each new user, so inserting users with their roles
-- compares and leaves them be; any other role change still rewrites them
-- (which re-runs the search document trigger).

DROP TRIGGER user_roles_role_tokens ON user_roles;
DROP FUNCTION user_roles_refresh_role_tokens();

-- One role's token, as 0002's roster_role_tokens wrote them (that
-- function, which took one query per user, goes).
CREATE FUNCTION roster_role_token(role_id BIGINT) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 'Ж' || translate(role_id::TEXT, '0123456789', 'ΑΒΓΔΕΖΗΘΙΚ') || 'Ж';
DROP FUNCTION roster_role_tokens(BIGINT);

-- `changed` is the statement's transition table: the rows added or removed.
CREATE FUNCTION user_roles_refresh_role_tokens() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE users u SET role_tokens = t.tokens
    FROM (SELECT DISTINCT user_id FROM changed) c
    CROSS JOIN LATERAL (
        SELECT COALESCE(string_agg(roster_role_token(ur.role_id), '' ORDER BY ur.role_id), '') AS tokens
        FROM user_roles ur WHERE ur.user_id = c.user_id) t
    WHERE u.id = c.user_id AND u.role_tokens IS DISTINCT FROM t.tokens;
    RETURN NULL;
END
$$;

-- A trigger with a transition table fires on one kind of event only.
CREATE TRIGGER user_roles_added_role_tokens
AFTER INSERT ON user_roles REFERENCING NEW TABLE AS changed
FOR EACH STATEMENT EXECUTE FUNCTION user_roles_refresh_role_tokens();

CREATE TRIGGER user_roles_removed_role_tokens
AFTER DELETE ON user_roles REFERENCING OLD TABLE AS changed
FOR EACH STATEMENT EXECUTE FUNCTION user_roles_refresh_role_tokens();
