use crate::{on_pool, Db, StoreError};
use rand::RngCore;
use roster_domain::{SessionId, Timestamp, UserId};
use sqlx::FromRow;

/// A stored session, found by the SHA-256 of its cookie token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    pub user_id: UserId,
    pub impersonator_id: Option<UserId>,
    /// Signed in with a password, but a code is still owed.
    pub awaiting_code: bool,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    /// When its user last proved who they are: the sign-in, or a later
    /// re-entry of their password.
    pub confirmed_at: Timestamp,
    /// Its user's rights changed: the next request gives it a new id.
    pub rotate: bool,
    /// When it was given a new id: the old one works a few seconds more.
    pub replaced_at: Option<Timestamp>,
    /// The address and browser it was last seen from, when known.
    pub client: SessionClient,
}

/// Where a session's requests come from: the client's address and the
/// browser's User-Agent, as the Sessions list shows them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionClient {
    pub address: Option<String>,
    pub user_agent: Option<String>,
}

impl SessionClient {
    /// Longest User-Agent kept: real ones are a few hundred bytes.
    pub const MAX_USER_AGENT_BYTES: usize = 512;

    pub fn new(address: Option<String>, user_agent: Option<&str>) -> SessionClient {
        let user_agent = user_agent.map(|ua| {
            let mut end = ua.len().min(Self::MAX_USER_AGENT_BYTES);
            while !ua.is_char_boundary(end) {
                end -= 1;
            }
            ua[..end].to_owned()
        });
        SessionClient { address, user_agent }
    }

    /// Whether the request said anything of where it comes from.
    pub fn is_known(&self) -> bool {
        self.address.is_some() || self.user_agent.is_some()
    }
}

/// A session as a user's list of sessions shows it, with the admin behind
/// it when it is a view of Roster as the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedSession {
    pub id: SessionId,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub client: SessionClient,
    /// The session of the cookie the list was asked with.
    pub this_browser: bool,
    pub impersonator: Option<UserId>,
}

#[derive(FromRow)]
struct ListedSessionRow {
    public_id: Option<String>,
    created_at: i64,
    last_seen_at: i64,
    address: Option<String>,
    user_agent: Option<String>,
    this_browser: bool,
    impersonator_id: Option<i64>,
}

/// A new session's id for lists: 128 random bits in hexadecimal.
pub(crate) fn new_public_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(FromRow)]
struct SessionRow {
    user_id: i64,
    impersonator_id: Option<i64>,
    awaiting_code: bool,
    created_at: i64,
    last_seen_at: i64,
    confirmed_at: Option<i64>,
    rotate: bool,
    replaced_at: Option<i64>,
    address: Option<String>,
    user_agent: Option<String>,
}

impl Db {
    /// Stores a new session; `awaiting_code` for one that still owes a code.
    pub async fn insert_session(
        &self,
        token_hash: &str,
        user_id: UserId,
        now: Timestamp,
        awaiting_code: bool,
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO sessions (token_hash, user_id, awaiting_code, created_at, last_seen_at, confirmed_at, public_id) \
                   VALUES ($1, $2, $3, $4, $4, $4, $5)";
        let public_id = new_public_id();
        on_pool!(self, pool => {
            sqlx::query(sql)
                .bind(token_hash)
                .bind(user_id.0)
                .bind(awaiting_code)
                .bind(now.0)
                .bind(&public_id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        let sql = "SELECT user_id, impersonator_id, awaiting_code, created_at, last_seen_at, confirmed_at, rotate, replaced_at, \
                   address, user_agent FROM sessions WHERE token_hash = $1";
        let row: Option<SessionRow> = on_pool!(self, pool => sqlx::query_as(sql).bind(token_hash).fetch_optional(pool).await?);
        Ok(row.map(|r| SessionRecord {
            user_id: UserId(r.user_id),
            impersonator_id: r.impersonator_id.map(UserId),
            awaiting_code: r.awaiting_code,
            created_at: Timestamp(r.created_at),
            last_seen_at: Timestamp(r.last_seen_at),
            confirmed_at: Timestamp(r.confirmed_at.unwrap_or(r.created_at)),
            rotate: r.rotate,
            replaced_at: r.replaced_at.map(Timestamp),
            client: SessionClient { address: r.address, user_agent: r.user_agent },
        }))
    }

    /// Records that the session's user proved who they are at `now`; false
    /// when the session is gone (or has a new id since).
    pub async fn confirm_session(&self, token_hash: &str, now: Timestamp) -> Result<bool, StoreError> {
        let sql = "UPDATE sessions SET confirmed_at = $1 WHERE token_hash = $2";
        let n = on_pool!(self, pool => sqlx::query(sql).bind(now.0).bind(token_hash).execute(pool).await?.rows_affected());
        Ok(n == 1)
    }

    /// Gives a session marked `rotate` the id `new_hash`: a copy under the
    /// new id, and the old row marked replaced at `now` (it works a few
    /// seconds more, for requests already on their way). False if another
    /// request rotated it first (or it is gone).
    pub async fn rotate_session(&self, old_hash: &str, new_hash: &str, now: Timestamp) -> Result<bool, StoreError> {
        let mark = "UPDATE sessions SET rotate = FALSE, replaced_at = $2 WHERE token_hash = $1 AND rotate";
        let copy = "INSERT INTO sessions (token_hash, user_id, impersonator_id, awaiting_code, created_at, last_seen_at, \
                    confirmed_at, public_id, address, user_agent) SELECT $2, user_id, impersonator_id, awaiting_code, \
                    created_at, last_seen_at, confirmed_at, public_id, address, user_agent FROM sessions WHERE token_hash = $1";
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            let marked = sqlx::query(mark).bind(old_hash).bind(now.0).execute(&mut *tx).await?.rows_affected() == 1;
            if marked {
                sqlx::query(copy).bind(old_hash).bind(new_hash).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(marked)
        })
    }

    /// Marks the session seen at `now` from `client` (an unknown client
    /// leaves what was known).
    pub async fn touch_session(&self, token_hash: &str, now: Timestamp, client: &SessionClient) -> Result<(), StoreError> {
        let sql = "UPDATE sessions SET last_seen_at = $1, address = COALESCE($3, address), \
                   user_agent = COALESCE($4, user_agent) WHERE token_hash = $2";
        on_pool!(self, pool => {
            sqlx::query(sql)
                .bind(now.0)
                .bind(token_hash)
                .bind(client.address.as_deref())
                .bind(client.user_agent.as_deref())
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    /// The user's signed-in sessions last seen after `seen_after` and
    /// started after `started_after` (older ones have timed out), the most
    /// recently seen first, at most `limit`. `this_hash` marks the asking
    /// browser's. Sessions still owing a code, and ids replaced by new
    /// ones, are not listed.
    pub async fn user_sessions(
        &self,
        user: UserId,
        this_hash: &str,
        seen_after: Timestamp,
        started_after: Timestamp,
        limit: i64,
    ) -> Result<Vec<ListedSession>, StoreError> {
        let sql = "SELECT public_id, created_at, last_seen_at, address, user_agent, token_hash = $2 AS this_browser, \
                   impersonator_id FROM sessions WHERE user_id = $1 AND replaced_at IS NULL AND NOT awaiting_code \
                   AND last_seen_at > $3 AND created_at > $4 ORDER BY last_seen_at DESC, created_at DESC LIMIT $5";
        let rows: Vec<ListedSessionRow> = on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(user.0)
                .bind(this_hash)
                .bind(seen_after.0)
                .bind(started_after.0)
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some(ListedSession {
                    id: SessionId(r.public_id?),
                    created_at: Timestamp(r.created_at),
                    last_seen_at: Timestamp(r.last_seen_at),
                    client: SessionClient { address: r.address, user_agent: r.user_agent },
                    this_browser: r.this_browser,
                    impersonator: r.impersonator_id.map(UserId),
                })
            })
            .collect())
    }

    /// Ends the user's session that lists as `id` (with any id it had
    /// before a new one, still in its grace); returns whether there was one.
    pub async fn delete_listed_session(&self, user: UserId, id: &SessionId) -> Result<bool, StoreError> {
        let sql = "DELETE FROM sessions WHERE user_id = $1 AND public_id = $2";
        let n = on_pool!(self, pool => sqlx::query(sql).bind(user.0).bind(&id.0).execute(pool).await?.rows_affected());
        Ok(n > 0)
    }

    /// Ends every session of the user but the one whose cookie hashes to
    /// `keep_hash` (and its earlier id, still in its grace); returns how
    /// many ended. Views of Roster as the user are left to end as views.
    pub async fn delete_other_sessions(&self, user: UserId, keep_hash: &str) -> Result<u64, StoreError> {
        let sql = "DELETE FROM sessions WHERE user_id = $1 AND impersonator_id IS NULL AND token_hash <> $2 \
                   AND (public_id IS NULL OR public_id <> COALESCE((SELECT k.public_id FROM sessions k \
                   WHERE k.token_hash = $2), ''))";
        let n = on_pool!(self, pool => sqlx::query(sql).bind(user.0).bind(keep_hash).execute(pool).await?.rows_affected());
        Ok(n)
    }

    /// Returns whether a session was there to delete.
    pub async fn delete_session(&self, token_hash: &str) -> Result<bool, StoreError> {
        let sql = "DELETE FROM sessions WHERE token_hash = $1";
        let n = on_pool!(self, pool => sqlx::query(sql).bind(token_hash).execute(pool).await?.rows_affected());
        Ok(n > 0)
    }

    /// Ends every session of a user; returns how many there were.
    pub async fn delete_user_sessions(&self, user_id: UserId) -> Result<u64, StoreError> {
        let sql = "DELETE FROM sessions WHERE user_id = $1";
        let n = on_pool!(self, pool => sqlx::query(sql).bind(user_id.0).execute(pool).await?.rows_affected());
        Ok(n)
    }
}
