use crate::{store_error, Roster};
use roster_domain::{AppError, Email, Login, OrganizationId, Password, RoleId, TicketState, UserFields, UserId};
use roster_store::{Backend, NewTicket, NewUser, Profile};
use std::collections::HashMap;

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
/// Names in other scripts and with other letters, with the ASCII form their
/// login takes: every 13th demo user after the first thousand has one, so
/// searches for `ü`, `ß`, `ø`, Cyrillic or CJK find real people.
const INTERNATIONAL_LAST_NAMES: &[(&str, &str)] = &[
    ("Müller", "mueller"),
    ("Weiß", "weiss"),
    ("Søgaard", "soegaard"),
    ("Ødegård", "oedegaard"),
    ("Иванова", "ivanova"),
    ("Кузнецов", "kuznetsov"),
    ("山田", "yamada"),
    ("王", "wang"),
    ("Çelik", "celik"),
    ("Nguyễn", "nguyen"),
    ("Łukasiewicz", "lukasiewicz"),
    ("Ó Briain", "obriain"),
];
const CITIES: &[&str] = &[
    "Berlin", "Lisbon", "Osaka", "Lagos", "Oslo", "Zagreb", "Lyon", "Kraków", "Dublin", "Porto", "Malmö", "Leeds",
    "Graz", "Ghent", "Turin", "Nantes", "Bergen", "Brno", "Cork", "Sapporo", "Accra", "Quito", "Perth", "Tartu",
];
const DEPARTMENTS: &[&str] =
    &["Sales", "Support", "Finance", "Engineering", "Logistics", "Legal", "Marketing", "Purchasing", ""];
const ORGANIZATION_WORDS: &[&str] = &[
    "Nordwind", "Bluebell", "Kestrel", "Saffron", "Granite", "Harbour", "Juniper", "Meridian", "Orchid", "Pioneer",
    "Quartz", "Redwood", "Summit", "Tidewater", "Umber", "Vantage", "Willow", "Zephyr", "Atlas", "Beacon",
];
const ORGANIZATION_KINDS: &[&str] = &["Logistics", "Bakery", "Clinic", "Studios", "Systems", "Foods", "Partners", "Labs"];
/// How many demo organizations there are; most demo users belong to one.
pub const DEMO_ORGANIZATIONS: usize = 160;
/// Users per transaction: large enough to be fast, small enough to keep
/// other writers waiting briefly.
const SEED_BATCH: usize = 5_000;

const TICKET_TITLES: &[&str] = &[
    "Printer on the third floor jams",
    "Cannot sign in to the customer portal",
    "Invoice shows the wrong VAT rate",
    "Delivery arrived damaged",
    "Please update my billing address",
    "VPN drops every few minutes",
    "Order confirmation never arrived",
];
/// One demo customer in this many has tickets.
const CUSTOMERS_PER_TICKET_HOLDER: u64 = 50;

/// The `n`-th demo organization's name.
pub fn demo_organization(n: usize) -> String {
    let word = ORGANIZATION_WORDS[n % ORGANIZATION_WORDS.len()];
    let kind = ORGANIZATION_KINDS[(n / ORGANIZATION_WORDS.len()) % ORGANIZATION_KINDS.len()];
    format!("{word} {kind}")
}

/// The `n`-th demo user: the same for every run. Every 500th is an admin,
/// every 10th an agent, the rest customers; four in five belong to one of
/// `organizations`.
pub fn demo_user(n: u64, password_hash: &str, organizations: &[OrganizationId]) -> NewUser {
    let pick = |list: &[&'static str], salt: u64| list[(n.wrapping_mul(salt) / 7 % list.len() as u64) as usize];
    let first = FIRST_NAMES[(n % FIRST_NAMES.len() as u64) as usize];
    let (last, last_ascii) = if n >= 1_000 && n % 13 == 5 {
        INTERNATIONAL_LAST_NAMES[((n / 13) % INTERNATIONAL_LAST_NAMES.len() as u64) as usize]
    } else {
        let last = LAST_NAMES[((n / FIRST_NAMES.len() as u64) % LAST_NAMES.len() as u64) as usize];
        (last, last)
    };
    let login = format!("{}.{}{n}", ascii(first), ascii(last_ascii));
    let role = match n {
        n if n % 500 == 0 => RoleId::ADMIN,
        n if n % 10 == 0 => RoleId::AGENT,
        _ => RoleId::CUSTOMER,
    };
    let organization = (n % 5 != 4 && !organizations.is_empty())
        .then(|| organizations[(n.wrapping_mul(31) % organizations.len() as u64) as usize]);
    let number = n.wrapping_mul(7_919) % 10_000_000;
    NewUser {
        login: Login::parse(&login).expect("demo login is valid"),
        profile: Profile {
            email: Some(Email::parse(&format!("{login}@demo.roster.example")).expect("demo email is valid")),
            organization_id: organization,
            fields: UserFields {
                first_name: first.to_owned(),
                last_name: last.to_owned(),
                phone: format!("+49 30 {:03} {:04}", number / 10_000, number % 10_000),
                mobile: if n % 3 == 0 { format!("+49 170 {:07}", (number * 13) % 10_000_000) } else { String::new() },
                department: pick(DEPARTMENTS, 13).to_owned(),
                city: pick(CITIES, 17).to_owned(),
                note: if n % 7 == 0 { format!("Prefers email. Customer since {}.", 2010 + n % 16) } else { String::new() },
                ..UserFields::default()
            },
            ..Profile::default()
        },
        password_hash: Some(password_hash.to_owned()),
        roles: vec![role],
    }
}

/// The tickets of the `n`-th demo user, given the ids of the demo users
/// seeded alongside: every 50th customer (n = 1, 51, 101, …) has one to
/// three tickets, opened by them and answered by the agent numbered just
/// before them, who also logged time on them.
pub fn demo_tickets(n: u64, ids: &HashMap<u64, UserId>) -> Vec<NewTicket> {
    let Some(&customer) = ids.get(&n) else { return Vec::new() };
    if n % CUSTOMERS_PER_TICKET_HOLDER != 1 {
        return Vec::new();
    }
    let agent = n.checked_sub(1).and_then(|a| ids.get(&a)).copied();
    (0..1 + n % 3)
        .map(|k| {
            let title = TICKET_TITLES[((n + k) % TICKET_TITLES.len() as u64) as usize];
            let mut articles = vec![(customer, format!("{title}. Could you help, please?"))];
            let mut time_entries = Vec::new();
            if let Some(agent) = agent {
                articles.push((agent, "Thanks for reporting this; we are on it.".to_owned()));
                time_entries.push((agent, 25 * (1 + ((n + k) % 8) as i64)));
            }
            NewTicket {
                customer,
                title: title.to_owned(),
                state: TicketState::ALL[((n + k) % TicketState::ALL.len() as u64) as usize],
                articles,
                time_entries,
            }
        })
        .collect()
}

fn ascii(name: &str) -> String {
    name.to_lowercase().replace('é', "e").replace('í', "i")
}

impl Roster {
    /// Adds `count` deterministic demo users (and the demo organizations, if
    /// missing), numbered after the users already present so that seeding
    /// twice adds more rather than failing. One Argon2 hash of
    /// `DEMO_PASSWORD` is shared by all, which is what makes a million users
    /// take seconds; never do this for real accounts. Demo users that would
    /// be admins are agents unless `with_admins`: an admin with a published
    /// password must be asked for.
    pub async fn seed_demo(&self, count: u64, with_admins: bool) -> Result<(), AppError> {
        let start = self.db.count_users().await.map_err(store_error)? as u64;
        let names: Vec<String> = (0..DEMO_ORGANIZATIONS).map(demo_organization).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let organizations = self.db.organizations_named(&names, self.now()).await.map_err(store_error)?;
        let hash = self.hasher().hash(&Password::parse(DEMO_PASSWORD)?).await?;
        self.db.start_bulk_load(count).await.map_err(store_error)?;
        // PostgreSQL works each batch out on one core: two batches at a time
        // keep two busy. SQLite writes one transaction at a time anyway.
        let side_by_side = self.db.backend() == Backend::Postgres;
        let end = start + count;
        let mut n = start;
        let mut refresh_statistics_at = start + SEED_BATCH as u64;
        while n < end {
            let batch = |from: u64| from..(from + SEED_BATCH as u64).min(end);
            let first = batch(n);
            let second = batch(first.end);
            n = if side_by_side && !second.is_empty() {
                let reached = second.end;
                let seed = |range| self.seed_demo_batch(range, &hash, &organizations, with_admins);
                tokio::try_join!(seed(first), seed(second))?;
                reached
            } else {
                let reached = first.end;
                self.seed_demo_batch(first, &hash, &organizations, with_admins).await?;
                reached
            };
            // After the first batch, then each time the table has doubled.
            if n >= refresh_statistics_at {
                self.db.refresh_statistics_during_load().await.map_err(store_error)?;
                refresh_statistics_at = n * 2;
            }
        }
        self.db.finish_bulk_load().await.map_err(store_error)?;
        // Bulk data arrives faster than the database's own upkeep notices it.
        self.db.refresh_statistics().await.map_err(store_error)
    }

    /// Adds the demo users numbered `range`, in one transaction, then their
    /// tickets.
    async fn seed_demo_batch(
        &self,
        range: std::ops::Range<u64>,
        hash: &str,
        organizations: &[OrganizationId],
        with_admins: bool,
    ) -> Result<(), AppError> {
        let batch: Vec<NewUser> = range
            .clone()
            .map(|i| demo_user(i, hash, organizations))
            .map(|mut user| {
                if !with_admins && user.roles.contains(&RoleId::ADMIN) {
                    user.roles = vec![RoleId::AGENT];
                }
                user
            })
            .collect();
        let ids = self.db.insert_users(&batch, self.now()).await.map_err(store_error)?;
        let ids: HashMap<u64, UserId> = range.clone().zip(ids).collect();
        let tickets: Vec<NewTicket> = range.flat_map(|i| demo_tickets(i, &ids)).collect();
        self.db.insert_tickets(&tickets, self.now()).await.map_err(store_error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_users_are_deterministic_valid_and_mixed() {
        let orgs = [OrganizationId(7), OrganizationId(8)];
        let a = demo_user(1, "h", &orgs);
        assert_eq!(a.login.as_str(), "ben.schmidt1");
        assert_eq!(demo_user(1, "h", &orgs).profile, a.profile);
        assert_eq!(demo_user(500, "h", &orgs).roles, [RoleId::ADMIN]);
        assert_eq!(demo_user(20, "h", &orgs).roles, [RoleId::AGENT]);
        assert_eq!(demo_user(21, "h", &orgs).roles, [RoleId::CUSTOMER]);
        assert_eq!(demo_user(2, "h", &orgs).profile.fields.first_name, "Chloé");
        assert_eq!(demo_user(2, "h", &orgs).login.as_str(), "chloe.schmidt2");
        assert_eq!(demo_user(4, "h", &orgs).profile.organization_id, None, "every fifth has no organization");
        assert!(demo_user(3, "h", &orgs).profile.organization_id.is_some());
        assert_eq!(demo_organization(0), "Nordwind Logistics");
        let international = demo_user(1_006, "h", &orgs);
        assert_eq!(international.profile.fields.last_name, "Кузнецов");
        assert_eq!(international.login.as_str(), "sven.kuznetsov1006", "logins stay ASCII");
        let names: std::collections::HashSet<String> = (0..DEMO_ORGANIZATIONS).map(demo_organization).collect();
        assert_eq!(names.len(), DEMO_ORGANIZATIONS, "organization names are distinct");
    }

    #[test]
    fn every_fiftieth_customer_has_tickets_answered_by_an_agent() {
        let ids: HashMap<u64, UserId> = (0..200).map(|n| (n, UserId(1000 + n as i64))).collect();
        let holders: Vec<u64> = (0..200).filter(|n| !demo_tickets(*n, &ids).is_empty()).collect();
        assert_eq!(holders, [1, 51, 101, 151]);
        for n in holders {
            assert_eq!(demo_user(n, "h", &[]).roles, [RoleId::CUSTOMER]);
        }
        let tickets = demo_tickets(101, &ids);
        assert_eq!(tickets.len(), 3);
        assert!(tickets.iter().all(|t| t.customer == UserId(1101) && t.articles[1].0 == UserId(1100)));
        let without_agent: HashMap<u64, UserId> = [(51, UserId(7))].into();
        assert_eq!(demo_tickets(51, &without_agent)[0].articles.len(), 1, "the agent was seeded in another batch");
    }
}
