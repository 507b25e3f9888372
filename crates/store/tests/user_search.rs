//! The Users panel's search, on every available engine, checked against a
//! brute-force search over the same users held in memory.

use roster_domain::{
    Email, Login, OrganizationId, PageCursor, RoleId, Timestamp, UserFacet, UserFields, UserId, UserRow, UserSearch,
    UserSort,
};
use roster_store::testing::{all, execute, TestDb};
use roster_store::{Db, NewUser, Profile, UserQuery};

const NOW: Timestamp = Timestamp(1_795_845_000);
/// The "No sign-in for 90 days" line at `NOW`.
const DORMANT_BEFORE: Timestamp = Timestamp(NOW.0 - 90 * 86_400);

/// Every match of `search`, following pages of `page_size` to the end, as
/// the panel would, planning pages in turn for few matches, after a capped
/// count (as the panel asks: the page is then read from the counted
/// matches when they are few), and for many; checks the count agrees with
/// the walk.
async fn walk(db: &Db, search: &UserSearch, page_size: i64) -> Vec<UserRow> {
    let words = search.words().unwrap();
    let mut search = search.clone();
    let mut all = Vec::new();
    for round in 0.. {
        let query = UserQuery { search: &search, words: &words, now: NOW, dormant_before: DORMANT_BEFORE };
        let query = db.prepare_search(query).await.unwrap();
        let many_match = match round % 3 {
            // Up to three pages are read from the counted matches.
            1 => db.count_matching_users(&query, Some(3 * page_size + 1)).await.unwrap() > 3 * page_size,
            plan => plan == 2,
        };
        let page = db.search_users(&query, page_size, many_match).await.unwrap();
        let full = page.len() as i64 == page_size;
        search.after = page.last().map(|(_, cursor)| cursor.clone());
        all.extend(page.into_iter().map(|(row, _)| row));
        if !full {
            break;
        }
    }
    let query = UserQuery { search: &search, words: &words, now: NOW, dormant_before: DORMANT_BEFORE };
    let query = db.prepare_search(query).await.unwrap();
    assert_eq!(db.count_matching_users(&query, None).await.unwrap(), all.len() as i64, "count of {search:?}");
    all
}

fn ids(rows: &[UserRow]) -> Vec<i64> {
    rows.iter().map(|r| r.id.0).collect()
}

fn search(text: &str) -> UserSearch {
    UserSearch { text: text.into(), ..Default::default() }
}

#[tokio::test]
async fn every_searchable_attribute_is_found_by_any_substring_in_any_case() {
    for t in all().await {
        let org = t.db.organizations_named(&["Harbour Bakery"], NOW).await.unwrap()[0];
        let target = NewUser {
            login: Login::parse("q.zimmer").unwrap(),
            profile: Profile {
                email: Some(Email::parse("quirin.z@corp-mail.example").unwrap()),
                organization_id: Some(org),
                fields: UserFields {
                    first_name: "Quirin".into(),
                    last_name: "Zimmermann".into(),
                    phone: "+41 44 555 0199".into(),
                    mobile: "0791234567".into(),
                    department: "Returns Desk".into(),
                    city: "Winterthur".into(),
                    note: "Speaks Romansh".into(),
                    ..UserFields::default()
                },
                ..Profile::default()
            },
            password_hash: None,
            roles: vec![RoleId::CUSTOMER],
        };
        let other = NewUser {
            login: Login::parse("other").unwrap(),
            profile: Profile {
                fields: UserFields { first_name: "Olive".into(), ..UserFields::default() },
                ..Profile::default()
            },
            password_hash: None,
            roles: vec![RoleId::AGENT],
        };
        let id = t.db.insert_user(&target, NOW).await.unwrap();
        t.db.insert_user(&other, NOW).await.unwrap();

        for text in [
            "quirin", "ZIMMER", "rin zimm", "q.zim", "@corp", "mail.exa", "555 01", "0791234", "harbour bak",
            "rns de", "WINTER", "romansh", "qu", "Q", "44",
        ] {
            let found = walk(&t.db, &search(text), 50).await;
            assert_eq!(ids(&found), [id.0], "{}: searching {text:?}", t.name);
        }
        let olive = walk(&t.db, &search("liv"), 50).await;
        assert_eq!(olive.len(), 1, "{}", t.name);
        assert!(walk(&t.db, &search("quirin olive"), 50).await.is_empty(), "{}: every word must match", t.name);
        assert!(walk(&t.db, &search("50%"), 50).await.is_empty(), "{}: % is not a wildcard", t.name);

        let row = &walk(&t.db, &search("quirin"), 50).await[0];
        assert_eq!(row.organization.as_deref(), Some("Harbour Bakery"), "{}", t.name);

        // Renaming the organization, editing and deleting the user keep the index in step.
        execute(&t.db, &format!("UPDATE organizations SET name = 'Tidewater Foods' WHERE id = {}", org.0)).await;
        assert!(walk(&t.db, &search("harbour"), 50).await.is_empty(), "{}", t.name);
        assert_eq!(walk(&t.db, &search("tidewater"), 50).await.len(), 1, "{}", t.name);
        execute(&t.db, &format!("UPDATE users SET city = 'Chur' WHERE id = {}", id.0)).await;
        assert!(walk(&t.db, &search("winterthur"), 50).await.is_empty(), "{}", t.name);
        assert_eq!(walk(&t.db, &search("chur"), 50).await.len(), 1, "{}", t.name);
        execute(&t.db, &format!("DELETE FROM organizations WHERE id = {}", org.0)).await;
        assert!(walk(&t.db, &search("tidewater"), 50).await.is_empty(), "{}", t.name);
        execute(&t.db, &format!("DELETE FROM users WHERE id = {}", id.0)).await;
        assert!(walk(&t.db, &search("quirin"), 50).await.is_empty(), "{}", t.name);
    }
}

#[tokio::test]
async fn roles_and_facets_narrow_the_list() {
    for t in all().await {
        let mut created = Vec::new();
        for (i, roles) in [vec![RoleId::ADMIN], vec![RoleId::AGENT], vec![RoleId::CUSTOMER], vec![RoleId::AGENT, RoleId::CUSTOMER]]
            .into_iter()
            .enumerate()
        {
            let user = NewUser {
                login: Login::parse(&format!("user{i}")).unwrap(),
                profile: Profile::default(),
                password_hash: None,
                roles,
            };
            created.push(t.db.insert_user(&user, NOW).await.unwrap().0);
        }
        let [admin, agent, customer, both] = created[..] else { unreachable!() };
        execute(&t.db, &format!("UPDATE users SET locked_until = {} WHERE id = {agent}", NOW.0 + 60)).await;
        execute(&t.db, &format!("UPDATE users SET locked_until = {} WHERE id = {customer}", NOW.0)).await;
        execute(&t.db, &format!("UPDATE users SET active = FALSE WHERE id = {customer}")).await;
        execute(&t.db, &format!("UPDATE users SET two_factor_enabled = TRUE WHERE id = {admin}")).await;
        execute(&t.db, &format!("UPDATE users SET last_login_at = 1 WHERE id IN ({admin}, {both})")).await;

        let view = |roles: Vec<RoleId>, facets: Vec<UserFacet>| UserSearch { roles, facets, ..Default::default() };
        let cases = [
            (view(vec![RoleId::AGENT], vec![]), vec![both, agent]),
            (view(vec![RoleId::ADMIN, RoleId::CUSTOMER], vec![]), vec![both, customer, admin]),
            (view(vec![], vec![UserFacet::Locked]), vec![agent]),
            (view(vec![], vec![UserFacet::NoTwoFactor]), vec![both, customer, agent]),
            (view(vec![], vec![UserFacet::Inactive]), vec![customer]),
            (view(vec![], vec![UserFacet::NeverSignedIn]), vec![customer, agent]),
            (view(vec![RoleId::CUSTOMER], vec![UserFacet::NeverSignedIn, UserFacet::NoTwoFactor]), vec![customer]),
            // Signed in long ago; the others are new accounts that never did.
            (view(vec![], vec![UserFacet::Dormant]), vec![both, admin]),
            (view(vec![RoleId::AGENT], vec![UserFacet::Dormant]), vec![both]),
        ];
        for (view, expected) in cases {
            assert_eq!(ids(&walk(&t.db, &view, 50).await), expected, "{}: {view:?}", t.name);
        }
        let rows = walk(&t.db, &UserSearch::default(), 50).await;
        let locked: Vec<bool> = rows.iter().map(|r| r.locked()).collect();
        assert_eq!(locked, [false, false, true, false], "{}: the customer's lock has lifted by now", t.name);
        assert!(rows[3].two_factor && !rows[1].active, "{}", t.name);

        // Roles changed after creation are found under their new role only.
        execute(&t.db, &format!("DELETE FROM user_roles WHERE user_id = {agent}")).await;
        execute(&t.db, &format!("INSERT INTO user_roles (user_id, role_id) VALUES ({agent}, 1)")).await;
        assert_eq!(ids(&walk(&t.db, &view(vec![RoleId::AGENT], vec![]), 50).await), [both], "{}", t.name);
        assert_eq!(ids(&walk(&t.db, &view(vec![RoleId::ADMIN], vec![]), 50).await), [agent, admin], "{}", t.name);
        let text_and_role = UserSearch { text: "user2".into(), roles: vec![RoleId::CUSTOMER], ..Default::default() };
        assert_eq!(ids(&walk(&t.db, &text_and_role, 50).await), [customer], "{}", t.name);
        // A role added beside those held, and one added again after a
        // removal, are found too.
        execute(&t.db, &format!("INSERT INTO user_roles (user_id, role_id) VALUES ({customer}, {})", RoleId::AGENT.0)).await;
        assert_eq!(ids(&walk(&t.db, &view(vec![RoleId::AGENT], vec![]), 50).await), [both, customer], "{}", t.name);
        execute(&t.db, &format!("DELETE FROM user_roles WHERE user_id = {customer} AND role_id = {}", RoleId::AGENT.0)).await;
        assert_eq!(ids(&walk(&t.db, &view(vec![RoleId::AGENT], vec![]), 50).await), [both], "{}", t.name);
        execute(&t.db, &format!("INSERT INTO user_roles (user_id, role_id) VALUES ({customer}, {})", RoleId::AGENT.0)).await;
        assert_eq!(ids(&walk(&t.db, &view(vec![RoleId::AGENT], vec![]), 50).await), [both, customer], "{}", t.name);
    }
}

/// A user of the brute-force population, as the test generated it.
struct Known {
    id: i64,
    user: NewUser,
    organization: Option<String>,
    last_login_at: Option<i64>,
}

impl Known {
    fn document(&self) -> String {
        let p = &self.user.profile;
        let f = &p.fields;
        [
            format!("{} {}", f.first_name, f.last_name),
            self.user.login.as_str().to_owned(),
            p.email.as_ref().map(|e| e.as_str().to_owned()).unwrap_or_default(),
            f.phone.clone(),
            f.mobile.clone(),
            self.organization.clone().unwrap_or_default(),
            f.department.clone(),
            f.city.clone(),
            f.note.clone(),
        ]
        .join("\n")
        .to_lowercase()
    }

    fn matches(&self, search: &UserSearch) -> bool {
        let document = self.document();
        search.words().unwrap().iter().all(|w| document.contains(w.as_str()))
            && (search.roles.is_empty() || search.roles.iter().any(|r| self.user.roles.contains(r)))
    }

    /// The sort key, compared as the databases compare it (bytes), then the id.
    fn key(&self, sort: UserSort) -> (String, i64) {
        let p = &self.user.profile;
        match sort {
            UserSort::Newest => (String::new(), -self.id),
            UserSort::Oldest => (String::new(), self.id),
            UserSort::Name => (format!("{} {}", p.fields.last_name, p.fields.first_name).trim().to_lowercase(), self.id),
            UserSort::Login => (self.user.login.normalized(), self.id),
            UserSort::Email => (p.email.as_ref().map_or("~".to_owned(), |e| e.normalized()), self.id),
            UserSort::LastSignIn => (format!("{:020}", i64::MAX - self.last_login_at.unwrap_or(0)), -self.id),
        }
    }
}

const FIRST: &[&str] = &["Anna", "Ben", "chloé", "Dörte", "Émile", "Finn", "o'Brien", "Zoë", "li", "MAX"];
const LAST: &[&str] = &["Schmidt", "Novak", "García", "Okafor", "Lindqvist", "de la Cruz", "Nguyen", "Ó Súilleabháin"];
const CITIES: &[&str] = &["Berlin", "Lisbon", "Osaka", "Kraków", "Malmö", "São Paulo", "St. Gallen", ""];

/// A few thousand varied users: mixed case, accents, punctuation, some
/// fields empty, several roles.
fn population(count: usize, organizations: &[OrganizationId]) -> Vec<NewUser> {
    (0..count)
        .map(|i| {
            let first = FIRST[i % FIRST.len()];
            let last = LAST[(i / 3) % LAST.len()];
            let login = format!("{}_{i}", first.to_lowercase().replace(['é', 'ö', 'ë', '\''], ""));
            let roles = match i % 11 {
                0 => vec![RoleId::ADMIN],
                1 | 2 => vec![RoleId::AGENT],
                3 => vec![RoleId::AGENT, RoleId::CUSTOMER],
                _ => vec![RoleId::CUSTOMER],
            };
            NewUser {
                login: Login::parse(&login).unwrap(),
                profile: Profile {
                    email: (i % 9 != 0)
                        .then(|| Email::parse(&format!("{login}@Mail{}.example", i % 13)).unwrap()),
                    organization_id: (i % 6 != 0).then(|| organizations[i % organizations.len()]),
                    fields: UserFields {
                        first_name: first.into(),
                        last_name: last.into(),
                        phone: if i % 4 == 0 { String::new() } else { format!("+49 (30) {:04}-{}", i * 37 % 10_000, i % 97) },
                        mobile: String::new(),
                        department: ["Sales", "Support & Returns", "R&D", ""][i % 4].into(),
                        city: CITIES[(i / 7) % CITIES.len()].into(),
                        note: if i % 10 == 0 { format!("VIP; 50% discount #{i}") } else { String::new() },
                        ..UserFields::default()
                    },
                    ..Profile::default()
                },
                password_hash: None,
                roles,
            }
        })
        .collect()
}

async fn known_population(t: &TestDb, count: usize) -> Vec<Known> {
    let org_names = ["Harbour Bakery", "Kestrel-Labs", "O'Neill & Sons", "ACME Corp.", "Zürich Re"];
    let orgs = t.db.organizations_named(&org_names, NOW).await.unwrap();
    let users = population(count, &orgs);
    let ids = t.db.insert_users(&users, NOW).await.unwrap();
    let mut known: Vec<Known> = users
        .into_iter()
        .zip(ids)
        .map(|(user, id)| {
            let organization = user
                .profile
                .organization_id
                .map(|o| org_names[orgs.iter().position(|x| *x == o).unwrap()].to_owned());
            Known { id: id.0, user, organization, last_login_at: None }
        })
        .collect();
    // A spread of sign-in times, some equal, most never.
    for k in known.iter_mut().filter(|k| k.id % 5 == 0) {
        let at = 1_700_000_000 + (k.id % 17) * 3_600;
        k.last_login_at = Some(at);
        execute(&t.db, &format!("UPDATE users SET last_login_at = {at} WHERE id = {}", k.id)).await;
    }
    known
}

#[tokio::test]
async fn search_agrees_with_brute_force_in_every_order_and_page() {
    for t in all().await {
        let known = known_population(&t, 2_500).await;
        let texts = [
            "", "schmidt", "ANNA", "chloé", "ÉMILE", "zoë", "o'b", "'", "de la", "la", "li", "l", "@mail1", "mail12.ex",
            "+49", "(30)", "-4", "harbour", "kestrel-l", "&", "& sons", "corp.", "zürich", "s.e", "r&d", "returns",
            "são", "st. g", "kraków", "50%", "vip #1", "_1", "_10", "nothing-matches-this", "anna schmidt sales",
        ];
        let roles = [vec![], vec![RoleId::AGENT], vec![RoleId::ADMIN, RoleId::CUSTOMER]];
        for (i, text) in texts.iter().enumerate() {
            let sort = UserSort::ALL[i % UserSort::ALL.len()];
            let view = UserSearch { text: text.to_string(), roles: roles[i % roles.len()].clone(), sort, after: None, facets: vec![] };
            let mut expected: Vec<&Known> = known.iter().filter(|k| k.matches(&view)).collect();
            expected.sort_by_key(|k| k.key(sort));
            let found = walk(&t.db, &view, 97).await;
            let expected: Vec<i64> = expected.iter().map(|k| k.id).collect();
            assert_eq!(ids(&found), expected, "{}: {view:?}", t.name);
            assert_roles_as_given(&found, &known, &t.name);
        }
        // A role few hold beside a word most users contain (the role's
        // holders are the candidates, the word checked in each), and the
        // other way round.
        for (i, (text, roles)) in [("mail", RoleId::ADMIN), ("example", RoleId::ADMIN), ("schmidt", RoleId::AGENT), ("ma", RoleId::ADMIN)]
            .into_iter()
            .enumerate()
        {
            for sort in [UserSort::ALL[i % UserSort::ALL.len()], UserSort::Newest] {
                let view = UserSearch { text: text.into(), roles: vec![roles], sort, ..Default::default() };
                let mut expected: Vec<&Known> = known.iter().filter(|k| k.matches(&view)).collect();
                expected.sort_by_key(|k| k.key(sort));
                let found = walk(&t.db, &view, 97).await;
                assert_eq!(ids(&found), expected.iter().map(|k| k.id).collect::<Vec<_>>(), "{}: {view:?}", t.name);
                assert_roles_as_given(&found, &known, &t.name);
            }
        }
        // The engines agree on the whole list in every order, too.
        for sort in UserSort::ALL {
            let mut expected: Vec<&Known> = known.iter().collect();
            expected.sort_by_key(|k| k.key(sort));
            let found = walk(&t.db, &UserSearch { sort, ..Default::default() }, 250).await;
            assert_eq!(ids(&found), expected.iter().map(|k| k.id).collect::<Vec<_>>(), "{}: {sort:?}", t.name);
            assert_roles_as_given(&found, &known, &t.name);
        }
    }
}

/// Each row shows the roles its user was given, by id, and is marked as
/// administering users exactly when one of them is Admin.
fn assert_roles_as_given(rows: &[UserRow], known: &[Known], engine: &str) {
    for row in rows {
        let user = &known.iter().find(|k| k.id == row.id.0).unwrap().user;
        let mut given = user.roles.clone();
        given.sort_by_key(|r| r.0);
        let shown: Vec<RoleId> = row.roles.iter().map(|r| r.id).collect();
        assert_eq!(shown, given, "{engine}: roles of {}", row.login);
        assert_eq!(row.administers, given.contains(&RoleId::ADMIN), "{engine}: {} administers", row.login);
        assert!(row.roles.iter().all(|r| !r.name.is_empty()), "{engine}: role names of {}", row.login);
    }
}

#[tokio::test]
async fn users_created_during_a_walk_cause_no_gap_or_duplicate() {
    for t in all().await {
        let known = known_population(&t, 600).await;
        for sort in UserSort::ALL {
            let view = UserSearch { sort, ..Default::default() };
            let words = view.words().unwrap();
            let mut page_view = view.clone();
            let mut seen: Vec<i64> = Vec::new();
            for round in 0.. {
                let query = UserQuery { search: &page_view, words: &words, now: NOW, dormant_before: DORMANT_BEFORE };
                let query = t.db.prepare_search(query).await.unwrap();
                let page = t.db.search_users(&query, 50, round % 2 == 0).await.unwrap();
                page_view.after = page.last().map(|(_, c)| c.clone());
                seen.extend(page.iter().map(|(row, _)| row.id.0));
                if page.len() < 50 {
                    break;
                }
                // Someone creates a user between two pages.
                let login = format!("late_{}_{round}", sort.key());
                let late = NewUser {
                    login: Login::parse(&login).unwrap(),
                    profile: Profile {
                        fields: UserFields {
                            first_name: "Late".into(),
                            last_name: "Comer".into(),
                            ..UserFields::default()
                        },
                        ..Profile::default()
                    },
                    password_hash: None,
                    roles: vec![RoleId::CUSTOMER],
                };
                t.db.insert_user(&late, NOW).await.unwrap();
            }
            let mut unique = seen.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), seen.len(), "{}: {sort:?} showed a user twice", t.name);
            for k in &known {
                assert!(seen.contains(&k.id), "{}: {sort:?} skipped user {}", t.name, k.id);
            }
        }
    }
}

#[tokio::test]
async fn counts_can_stop_at_a_cap() {
    for t in all().await {
        known_population(&t, 300).await;
        let view = UserSearch::default();
        let query = UserQuery { search: &view, words: &[], now: NOW, dormant_before: DORMANT_BEFORE };
        let query = t.db.prepare_search(query).await.unwrap();
        assert_eq!(t.db.count_matching_users(&query, Some(101)).await.unwrap(), 101, "{}", t.name);
        assert_eq!(t.db.count_matching_users(&query, None).await.unwrap(), 300, "{}", t.name);
    }
}

#[tokio::test]
async fn a_cursor_that_does_not_fit_the_order_is_refused() {
    for t in all().await {
        let view = UserSearch {
            sort: UserSort::LastSignIn,
            after: Some(PageCursor { id: UserId(3), key: "not-a-number".into() }),
            ..Default::default()
        };
        let query = UserQuery { search: &view, words: &[], now: NOW, dormant_before: DORMANT_BEFORE };
        let query = t.db.prepare_search(query).await.unwrap();
        let result = t.db.search_users(&query, 10, false).await;
        assert!(matches!(result, Err(roster_store::StoreError::BadCursor)), "{}: {result:?}", t.name);
    }
}

/// Pieces random users and searches are made of: common and rare letters in
/// both cases, letters beyond ASCII, CJK, digits and punctuation.
const PIECES: &[char] = &[
    'a', 'A', 'b', 'e', 'E', 'n', 'q', 'Z', 'z', '0', '1', '7', ' ', '.', '-', '_', '@', '\'', '+', '(', '&', '%',
    '\\', '"', 'ü', 'Ü', 'ß', 'é', 'É', 'ø', 'Ø', 'ж', 'Ж', '山', '田', 'ễ', '€',
];

fn random_text(rng: &mut impl rand::Rng, max: usize) -> String {
    let len = rng.gen_range(0..=max);
    (0..len).map(|_| PIECES[rng.gen_range(0..PIECES.len())]).collect::<String>().trim().to_owned()
}

/// A word a person might type: one or two characters (any of the pieces,
/// so often rare), punctuation alone, or a piece of someone's document.
fn random_word(rng: &mut impl rand::Rng, documents: &[String]) -> String {
    let pick = |rng: &mut dyn rand::RngCore| loop {
        let c = PIECES[rand::Rng::gen_range(rng, 0..PIECES.len())];
        if c != ' ' {
            return c;
        }
    };
    let word: String = match rng.gen_range(0..4) {
        0 => pick(rng).to_string(),
        1 => [pick(rng), pick(rng)].iter().collect(),
        2 => (0..rng.gen_range(1..=3)).map(|_| ['.', '-', '@', '\'', '%', '\\', '"'][rng.gen_range(0..7)]).collect(),
        _ => {
            let document: Vec<char> = documents[rng.gen_range(0..documents.len())].chars().collect();
            let len = rng.gen_range(1..=6).min(document.len());
            let start = rng.gen_range(0..=document.len() - len);
            document[start..start + len].iter().collect()
        }
    };
    word.split_whitespace().next().unwrap_or("e").to_owned()
}

#[tokio::test]
async fn short_rare_foreign_and_punctuation_words_find_exactly_the_users_a_scan_finds() {
    use rand::{Rng, SeedableRng};
    for t in all().await {
        let mut rng = rand::rngs::StdRng::seed_from_u64(26);
        let orgs = t.db.organizations_named(&["Zürich Ré", "山田 & Co", "ACME-Øst"], NOW).await.unwrap();
        let users: Vec<NewUser> = (0..1_200)
            .map(|i| {
                let login = format!("u{i}.{}", ["qa", "zz", "be", "n0"][i % 4]);
                NewUser {
                    login: Login::parse(&login).unwrap(),
                    profile: Profile {
                        email: (i % 3 != 0).then(|| Email::parse(&format!("{login}@x{}.example", i % 7)).unwrap()),
                        organization_id: (i % 4 != 0).then(|| orgs[i % orgs.len()]),
                        fields: UserFields {
                            first_name: random_text(&mut rng, 8),
                            last_name: random_text(&mut rng, 10),
                            phone: random_text(&mut rng, 6),
                            city: random_text(&mut rng, 5),
                            note: if i % 5 == 0 { random_text(&mut rng, 12) } else { String::new() },
                            ..UserFields::default()
                        },
                        ..Profile::default()
                    },
                    password_hash: None,
                    roles: vec![[RoleId::ADMIN, RoleId::AGENT, RoleId::CUSTOMER][i % 3]],
                }
            })
            .collect();
        let user_ids = t.db.insert_users(&users, NOW).await.unwrap();
        let org_names = ["Zürich Ré", "山田 & Co", "ACME-Øst"];
        let mut known: Vec<Known> = users
            .into_iter()
            .zip(&user_ids)
            .map(|(user, id)| {
                let organization =
                    user.profile.organization_id.map(|o| org_names[orgs.iter().position(|x| *x == o).unwrap()].to_owned());
                Known { id: id.0, user, organization, last_login_at: None }
            })
            .collect();
        // Some users signed in, some are inactive, some locked.
        let first = user_ids[0].0;
        execute(&t.db, &format!("UPDATE users SET last_login_at = 1700000000 WHERE (id - {first}) % 3 = 0")).await;
        execute(&t.db, &format!("UPDATE users SET active = FALSE WHERE (id - {first}) % 17 = 0")).await;
        execute(&t.db, &format!("UPDATE users SET locked_until = {} WHERE (id - {first}) % 29 = 0", NOW.0 + 600)).await;
        // Some accounts are old: never signed in to since long ago is dormant too.
        execute(&t.db, &format!("UPDATE users SET created_at = 1700000000 WHERE (id - {first}) % 5 = 1")).await;
        for k in known.iter_mut().filter(|k| (k.id - first) % 3 == 0) {
            k.last_login_at = Some(1_700_000_000);
        }
        let has_facet = |k: &Known, facet: UserFacet| {
            let n = k.id - first;
            match facet {
                UserFacet::NeverSignedIn => n % 3 != 0,
                UserFacet::Inactive => n % 17 == 0,
                UserFacet::Locked => n % 29 == 0,
                UserFacet::NoTwoFactor => true,
                UserFacet::Dormant => n % 3 == 0 || n % 5 == 1,
            }
        };
        let documents: Vec<String> = known.iter().map(Known::document).collect();
        for round in 0..150 {
            let words: Vec<String> = (0..rng.gen_range(1..=3)).map(|_| random_word(&mut rng, &documents)).collect();
            let roles = match rng.gen_range(0..4) {
                0 => vec![RoleId::ADMIN],
                1 => vec![RoleId::AGENT, RoleId::CUSTOMER],
                _ => vec![],
            };
            let facets = if rng.gen_range(0..3) == 0 { vec![UserFacet::ALL[rng.gen_range(0..UserFacet::ALL.len())]] } else { vec![] };
            let sort = UserSort::ALL[rng.gen_range(0..UserSort::ALL.len())];
            let view = UserSearch { text: words.join(" "), roles, facets, sort, after: None };
            let mut expected: Vec<&Known> = known
                .iter()
                .filter(|k| k.matches(&view) && view.facets.iter().all(|f| has_facet(k, *f)))
                .collect();
            expected.sort_by_key(|k| k.key(sort));
            let expected: Vec<i64> = expected.iter().map(|k| k.id).collect();
            // Planned for this many users, and as if for a million.
            for large in [false, true] {
                roster_store::testing::plan_searches_as_if_large(large);
                let found = walk(&t.db, &view, rng.gen_range(7..60)).await;
                roster_store::testing::plan_searches_as_if_large(false);
                assert_eq!(ids(&found), expected, "{}: round {round}, planned as if large: {large}: {view:?}", t.name);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_statement_stops_at_its_time_limit() {
    for t in all().await {
        let endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c";
        let started = std::time::Instant::now();
        let result = roster_store::testing::run_as_search(&t.db, endless).await;
        assert!(matches!(&result, Err(e) if e.is_timeout()), "{}: {result:?}", t.name);
        let took = started.elapsed();
        assert!(took < std::time::Duration::from_secs(4), "{}: stopped after {took:?}", t.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_dropped_mid_statement_stops_at_once() {
    use roster_store::testing::{pool_size, run_as_search, running_statements};
    for t in all().await {
        let marker = "endless search of a request that went away";
        let endless = format!(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) /* {marker} */ FROM c"
        );
        let cut = tokio::time::timeout(std::time::Duration::from_millis(300), run_as_search(&t.db, &endless)).await;
        assert!(cut.is_err(), "{}: the endless statement answered", t.name);
        let dropped_at = std::time::Instant::now();
        let connections = pool_size(&t.db);
        // Well within the 2 s time limit, the statement has ended: on SQLite
        // its connection has closed (which waits for the statement), on
        // PostgreSQL the server runs it no more.
        loop {
            let gone = match t.db.backend() {
                roster_store::Backend::Sqlite => pool_size(&t.db) < connections,
                roster_store::Backend::Postgres => running_statements(&t.db, marker).await == 0,
            };
            if gone {
                break;
            }
            assert!(dropped_at.elapsed() < std::time::Duration::from_secs(1), "{}: still running after 1 s", t.name);
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

#[tokio::test]
async fn users_of_a_database_from_before_the_short_word_index_are_indexed_on_start() {
    // SQLite only: PostgreSQL's index of pairs is an expression index, built
    // by its migration for every user at once.
    let t = roster_store::testing::sqlite().await;
    let mut quinn = NewUser {
        login: Login::parse("quinn").unwrap(),
        profile: Profile::default(),
        password_hash: None,
        roles: vec![RoleId::CUSTOMER],
    };
    quinn.profile.fields.last_name = "Weiß".into();
    let id = t.db.insert_user(&quinn, NOW).await.unwrap().0;
    // As the migration leaves a user of an older database: pending, unindexed.
    for sql in [
        format!("DELETE FROM user_search_grams WHERE rowid = {id}"),
        format!("DELETE FROM user_search_text WHERE user_id = {id}"),
        format!("INSERT INTO user_search_grams_pending (user_id) VALUES ({id})"),
    ] {
        execute(&t.db, &sql).await;
    }
    assert!(walk(&t.db, &search("ß"), 10).await.is_empty(), "not indexed yet");
    t.db.migrate().await.unwrap();
    assert_eq!(ids(&walk(&t.db, &search("ß"), 10).await), [id]);
    assert_eq!(ids(&walk(&t.db, &search("q weiß"), 10).await), [id], "a short and a long word");
    assert_eq!(roster_store::testing::count(&t.db, "SELECT COUNT(*) FROM user_search_grams_pending").await, 0);
}

/// On PostgreSQL a new user's search document is worked out by the store
/// and sent with the row (a COPY), not by the trigger that works it out on
/// later changes: both give the same document, for every kind of attribute
/// (no email, an organization, letters beyond ASCII, letters whose lower
/// case takes two characters in Rust, every punctuation mark), every part
/// of it is found, and tabs, line breaks and backslashes arrive as typed.
/// SQLite is held to the finding and the arriving.
#[tokio::test]
async fn a_new_users_search_document_is_the_one_a_change_would_work_out() {
    for t in all().await {
        let org = t.db.organizations_named(&["Ørsted & Søn (Nord)"], NOW).await.unwrap()[0];
        let users = [
            NewUser {
                login: Login::parse("yvonne.obrien").unwrap(),
                profile: Profile {
                    email: Some(Email::parse("Yvonne.OBrien+desk@Example.COM").unwrap()),
                    organization_id: Some(org),
                    fields: UserFields {
                        first_name: "Ÿvonne".into(),
                        last_name: "O'Brien-ΣΊΣΥΦΟΣ".into(),
                        phone: "+45 (0) 33-12_34".into(),
                        department: "Kundeservice: Støtte".into(),
                        city: "København".into(),
                        note: "Straße #7; 50% off!? a=b*c; every mark: a.b@c-d_e+f'g/h,i:j;k(l)m#n&o!p?q*r=s".into(),
                        ..UserFields::default()
                    },
                    ..Profile::default()
                },
                password_hash: None,
                roles: vec![RoleId::CUSTOMER, RoleId::AGENT],
            },
            NewUser {
                login: Login::parse("plain").unwrap(),
                profile: Profile::default(),
                password_hash: None,
                roles: vec![RoleId::CUSTOMER],
            },
            NewUser {
                login: Login::parse("istanbul.desk").unwrap(),
                profile: Profile {
                    fields: UserFields {
                        city: "İSTANBUL".into(),
                        note: "line one\nline\ttwo \\N back\\slash\r\n".into(),
                        ..UserFields::default()
                    },
                    ..Profile::default()
                },
                password_hash: None,
                roles: vec![RoleId::AGENT],
            },
        ];
        let ids = t.db.insert_users(&users, NOW).await.unwrap();
        let document = |id: UserId| {
            let sql = match t.db.backend() {
                roster_store::Backend::Postgres => format!("SELECT search_document FROM users WHERE id = {}", id.0),
                roster_store::Backend::Sqlite => format!("SELECT text FROM user_search_text WHERE user_id = {}", id.0),
            };
            let db = t.db.clone();
            async move { roster_store::testing::texts(&db, &sql).await }
        };
        for &id in &ids {
            let inserted = document(id).await;
            // Touching the columns works the document out again.
            execute(&t.db, &format!("UPDATE users SET first_name = first_name, organization_id = organization_id WHERE id = {}", id.0)).await;
            assert_eq!(document(id).await, inserted, "{}: user {}", t.name, id.0);
            assert!(!inserted[0].is_empty(), "{}", t.name);
        }
        let note = format!("SELECT note FROM users WHERE id = {}", ids[2].0);
        assert_eq!(roster_store::testing::texts(&t.db, &note).await, ["line one\nline\ttwo \\N back\\slash\r\n"], "{}", t.name);
        for text in [
            "ÿvonne", "σίσυφ", "ørsted & søn", "(nord)", "(0) 33-12_34", "straße #7;", "50%", "b*c", "+desk@",
            "a.b@c-d_e+f'g/h,i:j;k(l)m#n&o!p?q*r=s", "istanbul", "back\\slash",
        ] {
            assert_eq!(walk(&t.db, &search(text), 50).await.len(), 1, "{}: {text:?}", t.name);
        }
    }
}
