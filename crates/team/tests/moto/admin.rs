//! What the moto tests of this crate need beyond the shared server harness (`server.rs`): IAM users
//! on a server that enforces authentication, and raw object access behind the crate's back.

use crate::server::Moto;

/// Credentials of an IAM user made on a server that enforces authentication.
#[derive(Clone)]
pub(crate) struct User {
    pub(crate) access_key_id: String,
    pub(crate) secret_access_key: String,
}

impl Moto {
    /// Creates an IAM user with an access key and an inline policy allowing `actions` (2+1+1 = 3
    /// unauthenticated actions of the server's free ones).
    pub(crate) async fn create_user(&self, name: &str, actions: &[&str]) -> User {
        let policy = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
        })
        .to_string();
        self.iam(&[("Action", "CreateUser"), ("UserName", name)]).await;
        let key = self
            .iam(&[("Action", "CreateAccessKey"), ("UserName", name)])
            .await;
        self.iam(&[
            ("Action", "PutUserPolicy"),
            ("UserName", name),
            ("PolicyName", "ascert-test"),
            ("PolicyDocument", &policy),
        ])
        .await;
        User {
            access_key_id: between(&key, "<AccessKeyId>", "</AccessKeyId>"),
            secret_access_key: between(&key, "<SecretAccessKey>", "</SecretAccessKey>"),
        }
    }

    /// An IAM query request, routed to IAM by the credential scope of an (unchecked) signature.
    async fn iam(&self, params: &[(&str, &str)]) -> String {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params.iter().copied().chain([("Version", "2010-05-08")]))
            .finish();
        let response = reqwest::Client::new()
            .post(format!("{}/", self.endpoint))
            .header(
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDSETUP/20260101/us-east-1/iam/aws4_request, \
                 SignedHeaders=host, Signature=0",
            )
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body = response.text().await.unwrap();
        assert!(status.is_success(), "IAM {params:?}: {status} {body}");
        body
    }

    /// An `object_store` S3 client for reading and changing objects behind the crate's back.
    pub(crate) fn raw(&self, bucket: &str) -> object_store::aws::AmazonS3 {
        self.raw_as(
            bucket,
            &User {
                access_key_id: "test".into(),
                secret_access_key: "test".into(),
            },
        )
    }

    /// The same, as an IAM user of a server that enforces authentication.
    pub(crate) fn raw_as(&self, bucket: &str, user: &User) -> object_store::aws::AmazonS3 {
        object_store::aws::AmazonS3Builder::new()
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_bucket_name(bucket)
            .with_access_key_id(&user.access_key_id)
            .with_secret_access_key(&user.secret_access_key)
            .build()
            .unwrap()
    }
}

fn between(text: &str, start: &str, end: &str) -> String {
    let from = text.find(start).unwrap_or_else(|| panic!("no {start} in {text}")) + start.len();
    let to = from + text[from..].find(end).unwrap();
    text[from..to].to_owned()
}
