//! Pages and answers travel compressed, but not to requests another site
//! made the browser send (see `compression.rs`), on every available engine.

mod common;

use common::{apps, TestApp, ADMIN_PASSWORD};
use std::io::Read;

/// The Users page as a browser asks for it, saying where the request comes
/// from and that gzip is welcome.
async fn users_page(app: &TestApp, browser: &reqwest::Client, site: &str) -> reqwest::Response {
    let request = browser.get(app.url("/admin/users")).header("accept", "text/html").header("accept-encoding", "gzip");
    request.header("sec-fetch-site", site).send().await.unwrap()
}

fn encoding(response: &reqwest::Response) -> Option<String> {
    response.headers().get("content-encoding").map(|v| v.to_str().unwrap().to_owned())
}

fn gunzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes).read_to_string(&mut text).expect("a gzip body");
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_and_answers_travel_compressed_but_not_to_other_sites_requests() {
    for app in apps().await {
        let browser = app.signed_in("ADMIN", ADMIN_PASSWORD).await;
        let plain = app.page(&browser, "/admin/users").await;
        assert_eq!(encoding(&plain), None, "{}: nothing asked for compression", app.db_name);
        let plain = plain.text().await.unwrap();

        for site in ["same-origin", "none"] {
            let response = users_page(&app, &browser, site).await;
            assert_eq!(response.status(), 200, "{}", app.db_name);
            assert_eq!(encoding(&response).as_deref(), Some("gzip"), "{}: {site}", app.db_name);
            let packed = response.bytes().await.unwrap();
            let page = gunzip(&packed);
            assert!(page.contains("Search for users"), "{}: {site}: the Users page", app.db_name);
            // The same page but for its nonce, in well under half the bytes.
            assert!(page.len().abs_diff(plain.len()) < 64, "{}: {} against {}", app.db_name, page.len(), plain.len());
            assert!(packed.len() * 2 < plain.len(), "{}: {} bytes for {}", app.db_name, packed.len(), plain.len());
        }

        for site in ["cross-site", "same-site"] {
            let response = users_page(&app, &browser, site).await;
            assert_eq!(response.status(), 200, "{}", app.db_name);
            assert_eq!(encoding(&response), None, "{}: {site} gets the page uncompressed", app.db_name);
            assert!(response.text().await.unwrap().contains("Search for users"), "{}: {site}", app.db_name);
        }

        // The panel's own search, as its page sends it.
        let search = browser
            .post(app.url("/api/search_users"))
            .header("accept-encoding", "gzip")
            .header("sec-fetch-site", "same-origin")
            .json(&serde_json::json!({ "search": {} }))
            .send()
            .await
            .unwrap();
        assert_eq!(search.status(), 200, "{}", app.db_name);
        assert_eq!(encoding(&search).as_deref(), Some("gzip"), "{}: the search's answer", app.db_name);
        let answer: serde_json::Value = serde_json::from_str(&gunzip(&search.bytes().await.unwrap())).unwrap();
        assert!(answer["rows"].as_array().is_some_and(|rows| !rows.is_empty()), "{}: {answer}", app.db_name);
    }
}
