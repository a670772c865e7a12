//! The real `users` binary under the Lambda Runtime API, fed API Gateway HTTP API (v2)
//! events, including a base64-encoded multipart avatar upload.

use base64::Engine;
use foof_tests::fixtures::PHOTO;
use foof_tests::{RuntimeApiStub, TestApp};
use serde_json::{Value, json};
use std::process::Stdio;

fn http_api_event(method: &str, path: &str, content_type: &str, body: &[u8], base64: bool) -> Value {
    let body = if base64 {
        base64::engine::general_purpose::STANDARD.encode(body)
    } else {
        String::from_utf8(body.to_vec()).unwrap()
    };
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": content_type, "host": "foof.example.edu", "user-agent": "foof-test"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "foof",
            "domainName": "foof.example.edu",
            "domainPrefix": "foof",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "foof-test"},
            "requestId": "api-request",
            "routeKey": "$default",
            "stage": "$default",
            "time": "25/Nov/2026:09:00:00 +0000",
            "timeEpoch": 1_795_597_200_000i64
        },
        "body": body,
        "isBase64Encoded": base64
    })
}

fn reply_body(response: &Value) -> Value {
    let body = response["body"].as_str().unwrap_or_default();
    let body = if response["isBase64Encoded"] == true {
        String::from_utf8(base64::engine::general_purpose::STANDARD.decode(body).unwrap()).unwrap()
    } else {
        body.to_owned()
    };
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

fn multipart(boundary: &str, token: &str, file: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\n{token}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"image.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

#[tokio::test]
async fn the_users_binary_answers_api_gateway_events() {
    let app = TestApp::spawn().await;
    let user = app.register().await;

    let runtime = RuntimeApiStub::start().await;
    let mut function = tokio::process::Command::new(env!("CARGO_BIN_EXE_users"))
        .env("AWS_LAMBDA_RUNTIME_API", &runtime.address)
        .env("AWS_LAMBDA_FUNCTION_NAME", "foof-users")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/foof-users")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the users binary starts");

    let public = runtime
        .invoke(http_api_event(
            "GET",
            &format!("/user/{}", user.uuid),
            "application/json",
            b"",
            false,
        ))
        .await
        .response();
    assert_eq!(public["statusCode"], 200);
    assert_eq!(reply_body(&public)["uuid"], user.uuid);
    assert_eq!(reply_body(&public)["username"], "新手咸鱼人员");

    let login = json!({"phonenumber": user.phone, "password": user.password}).to_string();
    let reply = runtime
        .invoke(http_api_event(
            "POST",
            "/user/login",
            "application/json",
            login.as_bytes(),
            false,
        ))
        .await
        .response();
    assert_eq!(reply_body(&reply)["info"]["uuid"], user.uuid);
    let token = reply_body(&reply)["token"].as_str().unwrap().to_owned();

    let boundary = "----foofboundary7MA4YWxkTrZu0gW";
    let upload = multipart(boundary, &token, PHOTO);
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let reply = runtime
        .invoke(http_api_event("POST", "/user/avatar", &content_type, &upload, true))
        .await
        .response();
    assert_eq!(
        (reply["statusCode"].clone(), reply_body(&reply)),
        (json!(200), json!({"status": "success"}))
    );
    assert_eq!(
        app.me(&user).await["avatarurl"],
        format!("image/avatar/{}.jpg", user.uuid)
    );

    let reply = runtime
        .invoke(http_api_event("POST", "/user/me", "application/json", b"{}", false))
        .await
        .response();
    assert_eq!(
        (reply["statusCode"].clone(), reply_body(&reply)),
        (json!(403), json!({"status": "failure", "info": "forbidden"}))
    );

    let reply = runtime
        .invoke(http_api_event("GET", "/no/such/route", "application/json", b"", false))
        .await
        .response();
    assert_eq!(reply["statusCode"], 404);

    function.kill().await.unwrap();
}
