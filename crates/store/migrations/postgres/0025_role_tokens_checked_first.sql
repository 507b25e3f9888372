-- Adding roles works a user's role tokens out again only when they lack
-- an added role's token (PostgreSQL).
--
-- The store writes a new user's tokens with the row, so after a bulk load
-- of users the statement that adds their roles found every user's tokens
-- already right, having worked each out to compare: some fifteen seconds
-- of a million users' seed. Whether the tokens hold the added role is one
-- look at the user's row. Tokens that hold every added role are right:
-- each change of roles rewrites them (this trigger, and its twin for
-- removals, which still works them out whole).
CREATE OR REPLACE FUNCTION user_roles_added_refresh_role_tokens() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE users u SET role_tokens = t.tokens
    FROM (SELECT DISTINCT c.user_id FROM changed c JOIN users m ON m.id = c.user_id
          WHERE strpos(m.role_tokens, roster_role_token(c.role_id)) = 0) c
    CROSS JOIN LATERAL (
        SELECT COALESCE(string_agg(roster_role_token(ur.role_id), '' ORDER BY ur.role_id), '') AS tokens
        FROM user_roles ur WHERE ur.user_id = c.user_id) t
    WHERE u.id = c.user_id AND u.role_tokens IS DISTINCT FROM t.tokens;
    RETURN NULL;
END
$$;

DROP TRIGGER user_roles_added_role_tokens ON user_roles;
CREATE TRIGGER user_roles_added_role_tokens
AFTER INSERT ON user_roles REFERENCING NEW TABLE AS changed
FOR EACH STATEMENT EXECUTE FUNCTION user_roles_added_refresh_role_tokens();
