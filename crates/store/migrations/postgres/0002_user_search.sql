-- Finding any user among millions (PostgreSQL).
--
-- Every user has one search document: the attributes an admin searches by,
-- one per line, lower-cased, kept in `users.search_document` by a trigger. A
-- pg_trgm GIN index over it serves `LIKE '%word%'` for words of three or more
-- characters. pg_trgm treats punctuation as a word break, which would leave
-- `@corp` or `s.e` without trigrams; the document and the searched words map
-- punctuation to upper-case letters (which a lower-cased document never
-- holds otherwise), so those searches use the index too and stay exact.
-- The user's roles follow the document as tokens of upper-case letters
-- (see roster_role_tokens), so a role filter is one more indexed LIKE.

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

-- Byte order, as in SQLite, so both engines page through the same order.
ALTER TABLE users
    ALTER COLUMN login_normalized TYPE TEXT COLLATE "C",
    ALTER COLUMN email_normalized TYPE TEXT COLLATE "C",
    ADD COLUMN name_normalized TEXT COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN two_factor_enabled BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN search_document TEXT NOT NULL DEFAULT '',
    -- The user's roles as search tokens; the store writes them with the
    -- user, the user_roles triggers keep them true.
    ADD COLUMN role_tokens TEXT NOT NULL DEFAULT '';

UPDATE users SET name_normalized = lower(trim(last_name || ' ' || first_name));

CREATE INDEX users_by_name ON users (name_normalized, id);
CREATE INDEX users_by_login ON users (login_normalized, id);
CREATE INDEX users_by_email ON users ((COALESCE(email_normalized, '~')), id);
CREATE INDEX users_by_last_login ON users ((COALESCE(last_login_at, 0)), id);
CREATE INDEX users_with_failed_logins ON users (failed_logins) WHERE failed_logins > 0;
CREATE INDEX users_inactive ON users (id) WHERE NOT active;
CREATE INDEX users_by_organization ON users (organization_id);

-- The searched form of a text; the store applies the same mapping to words.
CREATE FUNCTION roster_search_text(t TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN translate(lower(t), '.@-_+''/,:;()#&!?*=', 'DAHUPQSCKJLRNEXYZW');

-- A user's roles as search tokens: each role id's digits as upper-case Greek
-- letters between two upper-case Zhe, in id order. Upper case, so neither the
-- lower-cased document nor a typed word ever contains one.
CREATE FUNCTION roster_role_tokens(of_user BIGINT) RETURNS TEXT
LANGUAGE sql STABLE
RETURN COALESCE((
    SELECT string_agg('Ж' || translate(ur.role_id::TEXT, '0123456789', 'ΑΒΓΔΕΖΗΘΙΚ') || 'Ж', '' ORDER BY ur.role_id)
    FROM user_roles ur WHERE ur.user_id = of_user), '');

CREATE FUNCTION users_set_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_document := roster_search_text(concat_ws(E'\n',
        NEW.first_name || ' ' || NEW.last_name, NEW.login, COALESCE(NEW.email, ''), NEW.phone, NEW.mobile,
        COALESCE((SELECT o.name FROM organizations o WHERE o.id = NEW.organization_id), ''),
        NEW.department, NEW.city, NEW.note)) || E'\n' || NEW.role_tokens;
    RETURN NEW;
END
$$;

CREATE TRIGGER users_search_document
BEFORE INSERT OR UPDATE OF first_name, last_name, login, email, phone, mobile, organization_id, department, city, note,
    role_tokens
ON users FOR EACH ROW EXECUTE FUNCTION users_set_search_document();

-- Role changes rewrite role_tokens (which re-runs the trigger above) unless
-- the store already wrote the same tokens with the user.
CREATE FUNCTION user_roles_refresh_role_tokens() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    affected BIGINT := CASE WHEN TG_OP = 'DELETE' THEN OLD.user_id ELSE NEW.user_id END;
BEGIN
    UPDATE users SET role_tokens = roster_role_tokens(affected)
    WHERE id = affected AND role_tokens IS DISTINCT FROM roster_role_tokens(affected);
    RETURN NULL;
END
$$;

CREATE TRIGGER user_roles_role_tokens
AFTER INSERT OR DELETE ON user_roles
FOR EACH ROW EXECUTE FUNCTION user_roles_refresh_role_tokens();

CREATE FUNCTION organizations_refresh_search_documents() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Touching the column re-runs the users trigger with the new name.
    UPDATE users SET organization_id = organization_id WHERE organization_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER organizations_search_documents
AFTER UPDATE OF name ON organizations
FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION organizations_refresh_search_documents();

UPDATE users SET role_tokens = roster_role_tokens(id);

CREATE INDEX users_search ON users USING gin (search_document public.gin_trgm_ops);
