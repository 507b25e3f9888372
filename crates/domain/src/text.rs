/// The impls every parsed text value shares: read access, the normalized
/// (lower-case) form used for uniqueness, serde through `parse`, Display.
macro_rules! parsed_text {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The form used for uniqueness and look-up.
            pub fn normalized(&self) -> String {
                self.0.to_lowercase()
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::FieldError;
            fn try_from(s: String) -> Result<Self, $crate::FieldError> {
                $name::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
pub(crate) use parsed_text;
