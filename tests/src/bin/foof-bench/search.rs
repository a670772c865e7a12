//! Search over a seeded corpus of realistic second-hand titles: latency and DynamoDB calls per
//! query at each corpus size.

use foof_aws::aws_calls;
use foof_tests::TestApp;
use futures_util::stream::{self, StreamExt};
use serde_json::json;
use std::time::Instant;

pub struct SearchRow {
    pub items: usize,
    pub queries: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub calls_per_query: f64,
    pub hits_per_query: f64,
}

const CONDITIONS: [&str; 6] = ["全新", "九成新", "八成新", "九五新", "闲置", "自用"];
const BRANDS: [&str; 10] = [
    "小米",
    "华为",
    "苹果",
    "联想",
    "罗技",
    "索尼",
    "得力",
    "迪卡侬",
    "捷安特",
    "优衣库",
];
const THINGS: [&str; 16] = [
    "充电宝",
    "耳机",
    "台灯",
    "自行车",
    "键盘",
    "鼠标",
    "显示器",
    "平板",
    "羽毛球拍",
    "书架",
    "电饭煲",
    "吹风机",
    "行李箱",
    "羽绒服",
    "高数教材",
    "考研资料",
];
const EXTRAS: [&str; 8] = [
    "可小刀",
    "包邮",
    "急出",
    "毕业甩卖",
    "成色好",
    "带发票",
    "送配件",
    "当面交易",
];
const PLACES: [&str; 5] = ["T,九龙湖", "M,梅园", "J,桃园", "S,橘园", "D,丁家桥"];
const QUERIES: [&str; 10] = [
    "小米",
    "充电宝",
    "小米充电宝",
    "高数",
    "自行车",
    "九成新 台灯",
    "罗技 键盘",
    "考研",
    "华为平板",
    "毕业甩卖",
];

fn title(n: usize) -> (String, String) {
    let pick = |list: &[&'static str], salt: usize| {
        list[(n.wrapping_mul(2_654_435_761).wrapping_add(salt * 40_503) >> 7) % list.len()]
    };
    let title = format!(
        "{} {}{} {}",
        pick(&CONDITIONS, 1),
        pick(&BRANDS, 2),
        pick(&THINGS, 3),
        pick(&EXTRAS, 4)
    );
    let note = format!("{} 用了{}个月，功能正常，有意私聊", pick(&PLACES, 5), n % 24 + 1);
    (title, note)
}

async fn seed(app: &TestApp, token: &str, from: usize, to: usize) {
    stream::iter(from..to)
        .for_each_concurrent(16, |n| async move {
            let (title, note) = title(n);
            let body = json!({"token": token, "title": title, "type": n % 8 + 1, "price": (n % 500) as f64 + 0.5,
                              "depreciatione": 60 + n % 40, "note": note, "sold": if n % 5 == 0 { -1 } else { 1 }});
            let reply = app.post("/item/add", body).await;
            assert_eq!(reply.body["status"], "success", "seeding item {n}: {reply:?}");
        })
        .await;
}

pub async fn measure(sizes: &[usize]) -> Vec<SearchRow> {
    let app = TestApp::spawn().await;
    let seller = app.register().await;
    let mut seeded = 0;
    let mut rows = Vec::new();
    for &size in sizes {
        let started = Instant::now();
        seed(&app, &seller.token, seeded, size).await;
        eprintln!("bench: seeded {} items in {:.0?}", size - seeded, started.elapsed());
        seeded = size;
        let mut latencies = Vec::new();
        let (calls_before, mut hits) = (aws_calls(), 0usize);
        for _ in 0..10 {
            for query in QUERIES {
                let started = Instant::now();
                let reply = app
                    .post("/item/search", json!({"method": "good", "query": query}))
                    .await;
                latencies.push(started.elapsed().as_secs_f64() * 1000.0);
                hits += reply.body["hits"]["hits"].as_array().map_or(0, Vec::len);
            }
        }
        let queries = latencies.len();
        latencies.sort_by(f64::total_cmp);
        rows.push(SearchRow {
            items: size,
            queries,
            p50_ms: latencies[queries / 2],
            p95_ms: latencies[queries * 95 / 100],
            calls_per_query: (aws_calls() - calls_before) as f64 / queries as f64,
            hits_per_query: hits as f64 / queries as f64,
        });
    }
    rows
}
