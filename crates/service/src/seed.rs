use crate::{store_error, Roster};
use roster_domain::{AppError, Email, Login, Password, Role};
use roster_store::NewUser;

/// Every demo user's password, for trying Roster out. Demo data only.
pub const DEMO_PASSWORD: &str = "roster-demo-pass";

const FIRST_NAMES: &[&str] = &[
    "Anna", "Ben", "Chloé", "David", "Emma", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kira", "Luca", "Maya",
    "Nils", "Olga", "Pablo", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wim", "Xenia", "Yusuf", "Zoe",
];
const LAST_NAMES: &[&str] = &[
    "Schmidt", "Novak", "García", "Okafor", "Lindqvist", "Rossi", "Dubois", "Tanaka", "Kowalski", "Moreau",
    "Fischer", "Jensen", "Silva", "Horvat", "Petrov", "Costa", "Murphy", "Berg", "Weber", "Nakamura",
];
/// Users per transaction: large enough to be fast, small enough to keep
/// other writers waiting briefly.
const SEED_BATCH: usize = 5_000;

/// The `n`-th demo user: the same for every run. Every 500th is an admin,
/// every 10th an agent, the rest customers.
pub fn demo_user(n: u64, password_hash: &str) -> NewUser {
    let first = FIRST_NAMES[(n % FIRST_NAMES.len() as u64) as usize];
    let last = LAST_NAMES[((n / FIRST_NAMES.len() as u64) % LAST_NAMES.len() as u64) as usize];
    let login = format!("{}.{}{n}", ascii(first), ascii(last));
    let role = match n {
        n if n % 500 == 0 => Role::Admin,
        n if n % 10 == 0 => Role::Agent,
        _ => Role::Customer,
    };
    NewUser {
        email: Some(Email::parse(&format!("{login}@demo.roster.example")).expect("demo email is valid")),
        login: Login::parse(&login).expect("demo login is valid"),
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        password_hash: Some(password_hash.to_owned()),
        roles: vec![role],
    }
}

fn ascii(name: &str) -> String {
    name.to_lowercase().replace('é', "e").replace('í', "i")
}

impl Roster {
    /// Adds `count` deterministic demo users, numbered after the users
    /// already present so that seeding twice adds more rather than failing.
    /// One Argon2 hash of `DEMO_PASSWORD` is shared by all, which is what
    /// makes 10,000 users take seconds; never do this for real accounts.
    pub async fn seed_demo(&self, count: u64) -> Result<(), AppError> {
        let start = self.db.count_users().await.map_err(store_error)? as u64;
        let hash = self.hasher().hash(&Password::parse(DEMO_PASSWORD)?).await?;
        let mut n = start;
        while n < start + count {
            let end = (n + SEED_BATCH as u64).min(start + count);
            let batch: Vec<NewUser> = (n..end).map(|i| demo_user(i, &hash)).collect();
            self.db.insert_users(&batch, self.now()).await.map_err(store_error)?;
            n = end;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_users_are_deterministic_valid_and_mixed() {
        let a = demo_user(1, "h");
        assert_eq!(a.login.as_str(), "ben.schmidt1");
        assert_eq!(demo_user(1, "h").login, a.login);
        assert_eq!(demo_user(500, "h").roles, [Role::Admin]);
        assert_eq!(demo_user(20, "h").roles, [Role::Agent]);
        assert_eq!(demo_user(21, "h").roles, [Role::Customer]);
        assert_eq!(demo_user(2, "h").first_name, "Chloé");
        assert_eq!(demo_user(2, "h").login.as_str(), "chloe.schmidt2");
    }
}
