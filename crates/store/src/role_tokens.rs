//! How a user's roles appear in the search document, so the Users panel's
//! role filter is one more indexed word: saving a user writes the tokens
//! (`users.role_tokens`), the search matches them.

use crate::Backend;
use roster_domain::RoleId;

/// A role as the search document holds it, in a form no typed word contains:
/// on SQLite its id between two private-use characters; on PostgreSQL (whose
/// trigram index only sees letters and digits) its digits as upper-case
/// Greek letters between two upper-case Zhe.
pub(crate) fn role_token(role: RoleId, backend: Backend) -> String {
    let id = role.0.to_string();
    match backend {
        Backend::Sqlite => format!("\u{E000}{id}\u{E000}"),
        Backend::Postgres => {
            let letters: String = id.bytes().map(|d| GREEK[usize::from(d - b'0')]).collect();
            format!("Ж{letters}Ж")
        }
    }
}

/// The roles of a PostgreSQL `users.role_tokens`, in its order (by id).
pub(crate) fn postgres_roles_of_tokens(tokens: &str) -> Vec<RoleId> {
    tokens
        .split('Ж')
        .filter(|token| !token.is_empty())
        .filter_map(|token| {
            let digits: Option<String> = token.chars().map(|c| GREEK.iter().position(|g| *g == c).map(|d| char::from(b'0' + d as u8))).collect();
            digits?.parse().ok().map(RoleId)
        })
        .collect()
}

/// The digits of a role's id in its PostgreSQL token.
const GREEK: [char; 10] = ['Α', 'Β', 'Γ', 'Δ', 'Ε', 'Ζ', 'Η', 'Θ', 'Ι', 'Κ'];

/// `users.role_tokens` for these roles, as the migrations' triggers write it.
pub(crate) fn role_tokens(roles: &[RoleId], backend: Backend) -> String {
    let mut roles = roles.to_vec();
    roles.sort();
    roles.dedup();
    roles.into_iter().map(|r| role_token(r, backend)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_tokens_are_in_id_order_once_each() {
        let roles = [RoleId::CUSTOMER, RoleId::ADMIN, RoleId::CUSTOMER];
        assert_eq!(role_tokens(&roles, Backend::Sqlite), "\u{E000}1\u{E000}\u{E000}3\u{E000}");
        assert_eq!(role_tokens(&roles, Backend::Postgres), "ЖΒЖЖΔЖ");
    }

    #[test]
    fn postgres_role_tokens_read_back_as_the_roles_they_were_written_for() {
        let roles = [RoleId(1), RoleId(3), RoleId(10), RoleId(1234567890)];
        assert_eq!(postgres_roles_of_tokens(&role_tokens(&roles, Backend::Postgres)), roles);
        assert_eq!(postgres_roles_of_tokens(""), []);
    }
}
