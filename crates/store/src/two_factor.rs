//! Authenticator apps and recovery codes. Accepting a code is one
//! compare-and-set statement, so a code is never accepted twice, however
//! many requests race with it. `users.two_factor_enabled` follows every
//! change in the same transaction. Secrets arrive and leave sealed (see
//! `SealedSlot`); the store never sees them in the clear.

use crate::audit::insert_audit;
use crate::{on_pool, AuditRecord, Db, StoreError};
use crate::bulk_runs::decide_one;
use roster_domain::{BulkOutcome, BulkRules, Timestamp, TwoFactorKind, TwoFactorMethod, UserId};

/// Sets the user's two-factor flag from what they have now.
/// Spent codes count: using the last one does not switch two-factor off
/// behind the user's back (they are told to make new ones instead).
const REFRESH_FLAG: &str = "UPDATE users SET two_factor_enabled = (\
       EXISTS (SELECT 1 FROM authenticator_apps a WHERE a.user_id = $1 AND a.secret IS NOT NULL) \
    OR EXISTS (SELECT 1 FROM recovery_codes c WHERE c.user_id = $1)) WHERE id = $1";

/// An enabled authenticator app: its sealed secret and the last step accepted.
#[derive(Clone)]
pub struct AuthenticatorSecret {
    pub sealed_secret: String,
    pub last_step: i64,
}

impl std::fmt::Debug for AuthenticatorSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuthenticatorSecret {{ sealed_secret: <redacted>, last_step: {} }}", self.last_step)
    }
}

impl Db {
    /// Starts (or restarts) setting up an authenticator app: the sealed
    /// secret waits, unused, until a code confirms it. An enabled app stays enabled.
    pub async fn set_pending_authenticator(&self, user: UserId, sealed_secret: &str) -> Result<(), StoreError> {
        let sql = "INSERT INTO authenticator_apps (user_id, pending_secret) VALUES ($1, $2) \
                   ON CONFLICT (user_id) DO UPDATE SET pending_secret = excluded.pending_secret";
        on_pool!(self, pool => sqlx::query(sql).bind(user.0).bind(sealed_secret).execute(pool).await?.rows_affected());
        Ok(())
    }

    pub async fn pending_authenticator_secret(&self, user: UserId) -> Result<Option<String>, StoreError> {
        let sql = "SELECT pending_secret FROM authenticator_apps WHERE user_id = $1";
        let secret: Option<Option<String>> =
            on_pool!(self, pool => sqlx::query_scalar(sql).bind(user.0).fetch_optional(pool).await?);
        Ok(secret.flatten())
    }

    /// Makes the app being set up the user's, if `pending` is still what is
    /// pending: `sealed_secret` is its secret sealed anew for an enabled app,
    /// and `step` its first accepted code. False if it was not pending.
    pub async fn enable_authenticator(
        &self,
        user: UserId,
        pending: &str,
        sealed_secret: &str,
        step: i64,
        audit: &AuditRecord,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE authenticator_apps SET secret = $3, pending_secret = NULL, last_step = $4, \
                   enabled_at = $5 WHERE user_id = $1 AND pending_secret = $2";
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            let query = sqlx::query(sql).bind(user.0).bind(pending).bind(sealed_secret).bind(step).bind(audit.at.0);
            let n = query.execute(&mut *tx).await?.rows_affected();
            sqlx::query(REFRESH_FLAG).bind(user.0).execute(&mut *tx).await?;
            if n == 1 {
                insert_audit!(audit).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(n == 1)
        })
    }

    /// The user's enabled authenticator app, if any.
    pub async fn authenticator_secret(&self, user: UserId) -> Result<Option<AuthenticatorSecret>, StoreError> {
        let sql = "SELECT secret, last_step FROM authenticator_apps WHERE user_id = $1 AND secret IS NOT NULL";
        let row: Option<(String, i64)> = on_pool!(self, pool => sqlx::query_as(sql).bind(user.0).fetch_optional(pool).await?);
        Ok(row.map(|(sealed_secret, last_step)| AuthenticatorSecret { sealed_secret, last_step }))
    }

    /// Accepts the code of time step `step` if no code of that step or a
    /// later one was accepted before. Exactly one of any number of
    /// concurrent calls with the same step gets true.
    pub async fn accept_authenticator_step(&self, user: UserId, step: i64) -> Result<bool, StoreError> {
        let sql = "UPDATE authenticator_apps SET last_step = $2 \
                   WHERE user_id = $1 AND secret IS NOT NULL AND last_step < $2";
        let n = on_pool!(self, pool => sqlx::query(sql).bind(user.0).bind(step).execute(pool).await?.rows_affected());
        Ok(n == 1)
    }

    /// Replaces the user's recovery codes with these (SHA-256 hashes).
    pub async fn replace_recovery_codes(&self, user: UserId, hashes: &[String], audit: &AuditRecord) -> Result<(), StoreError> {
        let now = audit.at;
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user.0).execute(&mut *tx).await?;
            for hash in hashes {
                sqlx::query("INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)")
                    .bind(user.0)
                    .bind(hash)
                    .bind(now.0)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(REFRESH_FLAG).bind(user.0).execute(&mut *tx).await?;
            insert_audit!(audit).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Spends the recovery code with this hash; false if it is unknown or
    /// already spent. Concurrent uses of one code: exactly one succeeds.
    pub async fn use_recovery_code(&self, user: UserId, hash: &str, now: Timestamp) -> Result<bool, StoreError> {
        let spend = "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL";
        let n = on_pool!(self, pool => {
            sqlx::query(spend).bind(user.0).bind(hash).bind(now.0).execute(pool).await?.rows_affected()
        });
        Ok(n == 1)
    }

    /// The user's second factors: an enabled app, and their recovery codes
    /// (how many are unused: none, once the last is spent).
    pub async fn two_factor_methods(&self, user: UserId) -> Result<Vec<TwoFactorMethod>, StoreError> {
        let app = "SELECT enabled_at FROM authenticator_apps WHERE user_id = $1 AND secret IS NOT NULL";
        let codes = "SELECT MIN(created_at), COALESCE(SUM(CASE WHEN used_at IS NULL THEN 1 ELSE 0 END), 0) \
                     FROM recovery_codes WHERE user_id = $1";
        let (app, codes): (Option<Option<i64>>, (Option<i64>, i64)) = on_pool!(self, pool => {
            let app = sqlx::query_scalar(app).bind(user.0).fetch_optional(pool).await?;
            let codes = sqlx::query_as(codes).bind(user.0).fetch_one(pool).await?;
            (app, codes)
        });
        let mut methods = Vec::new();
        if let Some(enabled_at) = app {
            let since = Timestamp(enabled_at.unwrap_or_default());
            methods.push(TwoFactorMethod { kind: TwoFactorKind::AuthenticatorApp, since, unused_codes: None });
        }
        if let (Some(created_at), n) = codes {
            methods.push(TwoFactorMethod {
                kind: TwoFactorKind::RecoveryCodes,
                since: Timestamp(created_at),
                unused_codes: Some(u32::try_from(n).unwrap_or(u32::MAX)),
            });
        }
        Ok(methods)
    }

    /// Removes the user's methods of these kinds; with `end_sessions`, their
    /// sessions end in the same transaction, and so is `audit` written
    /// (naming the methods) when any existed. An admin removing someone's
    /// methods passes `rules` (for Remove two-factor), which decide first,
    /// inside the transaction, as for each user of the bulk action; the
    /// user removing their own passes none. Returns the kinds that existed.
    pub async fn remove_two_factor(
        &self,
        user: UserId,
        kinds: &[TwoFactorKind],
        end_sessions: bool,
        rules: Option<&mut BulkRules>,
        audit: &AuditRecord,
    ) -> Result<Vec<TwoFactorKind>, StoreError> {
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            if let Some(rules) = rules {
                if let BulkOutcome::Refused(refusal) = decide_one(&mut *tx, rules, user, audit.at).await? {
                    return Err(StoreError::Refused(refusal));
                }
            }
            let mut removed = Vec::new();
            for kind in kinds {
                let sql = match kind {
                    TwoFactorKind::AuthenticatorApp => "DELETE FROM authenticator_apps WHERE user_id = $1 AND secret IS NOT NULL",
                    TwoFactorKind::RecoveryCodes => "DELETE FROM recovery_codes WHERE user_id = $1",
                };
                if sqlx::query(sql).bind(user.0).execute(&mut *tx).await?.rows_affected() > 0 {
                    removed.push(*kind);
                }
            }
            sqlx::query(REFRESH_FLAG).bind(user.0).execute(&mut *tx).await?;
            if end_sessions {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user.0).execute(&mut *tx).await?;
            }
            if !removed.is_empty() {
                let methods = removed.iter().map(|k| k.key()).collect::<Vec<_>>().join(",");
                let audit = AuditRecord { detail: format!("methods={methods}"), ..audit.clone() };
                insert_audit!(&audit).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(removed)
        })
    }
}
