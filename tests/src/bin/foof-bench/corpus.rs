//! A deterministic corpus of second-hand listings for the search bench: titles of 2–5 words
//! and notes of 3–10 words drawn from a vocabulary of Chinese and English listing words with
//! Zipf-like frequencies (the word of rank r is drawn with probability proportional to 1/r), so
//! a few words are in most listings, most words in few, and titles vary as real ones do.

/// Chinese listing words, most frequent first (ranks interleave with [`ENGLISH`]), 160 of them.
const CHINESE: &str = "
二手 全新 九成新 自提 包邮 小米 耳机 鼠标 键盘 充电宝 无线 台灯
自行车 教材 高数 考研 宿舍 显示器 罗技 降噪 游戏 蓝牙 华为 苹果 手机
平板 电脑 笔记本 资料 英语 四级 六级 真题 线代 概率论 大物 电饭煲
吹风机 风扇 插排 衣架 收纳箱 书架 椅子 桌子 床帘 被子 枕头 羽绒服
卫衣 外套 运动鞋 篮球 足球 羽毛球拍 网球拍 瑜伽垫 哑铃 滑板 头盔 车锁
电动车 打印机 路由器 音箱 相机 镜头 三脚架 机械键盘 鼠标垫 显卡 内存条
硬盘 数据线 充电器 保温杯 水杯 雨伞 行李箱 背包 书包 眼镜 手表 手环
口红 香水 面膜 洗面奶 化妆品 索尼 联想 戴尔 华硕 惠普 佳能 尼康
任天堂 乐高 吉他 尤克里里 电子琴 画板 颜料 计算器 文具 毕业 甩卖 急出
可小刀 低价 正品 发票 保修 九龙湖 梅园 桃园 橘园 丁家桥 图书馆 食堂
快递 面交 成色好 轻微划痕 功能正常 配件 原装 盒子 说明书 白色 黑色
粉色 蓝色 大号 小号 男款 女款 春秋 冬季 夏季 考试 课本 笔记 编程
算法 数据结构 物理 化学 线性代数 微积分 托福 雅思 驾照 健身卡 电影票
演唱会 自习室 台式机 电热毯 暖手宝
";

/// English (and model-number) listing words, most frequent first, 160 of them.
const ENGLISH: &str = "
used new logitech mouse keyboard ipad wireless charger monitor bike lamp textbook gaming
iphone macbook airpods kindle switch nintendo sony headphones earbuds bluetooth usb cable
adapter laptop dell lenovo asus hp thinkpad xiaomi huawei samsung pro max mini air 128gb
256gb 512gb ssd hdd ram gpu rtx 3060 4060 mechanical rgb speaker camera canon nikon lens
tripod router printer desk chair shelf fan heater kettle cooker hairdryer umbrella
backpack suitcase jacket hoodie sneakers nike adidas uniqlo basketball football badminton
racket tennis yoga mat dumbbell skateboard helmet lock scooter guitar ukulele piano
calculator notebook pen calculus algebra physics chemistry english cet4 cet6 toefl ielts
gre kaoyan exam notes python java algorithms cheap mint condition original box warranty
receipt pickup campus dorm free shipping negotiable urgent graduation sale white black
pink blue large small men women winter summer lego watch bottle glasses perfume lipstick
skincare ps5 xbox controller steam deck tablet stylus pencil case screen protector hub
dock webcam microphone projector drone
";

/// The word of each rank, rank 0 the most frequent: Chinese and English alternate.
pub fn vocabulary() -> Vec<&'static str> {
    CHINESE
        .split_whitespace()
        .zip(ENGLISH.split_whitespace())
        .flat_map(|(zh, en)| [zh, en])
        .collect()
}

/// xorshift64*: small, fast and the same on every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        // The top bits of xorshift64* are its best; the bias for small n is negligible here.
        (((self.next_u64() >> 11) as u128 * n as u128) >> 53) as u64
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// One generated listing.
pub struct Listing {
    pub title: String,
    pub note: String,
    pub category: i64,
    pub price: f64,
    pub condition: i64,
    /// 1 (sell) or -1 (want).
    pub sold: i64,
}

pub struct Corpus {
    words: Vec<&'static str>,
    /// Cumulative 1/r weights, for drawing a rank by binary search.
    cumulative: Vec<f64>,
    rng: Rng,
}

const SEED: u64 = 0x5EED_F00F_2026_0016;

impl Corpus {
    pub fn new() -> Self {
        let words = vocabulary();
        let mut total = 0.0;
        let cumulative = (1..=words.len())
            .map(|rank| {
                total += 1.0 / rank as f64;
                total
            })
            .collect();
        Self {
            words,
            cumulative,
            rng: Rng::new(SEED),
        }
    }

    /// A word drawn with probability proportional to 1/rank.
    fn word(&mut self) -> &'static str {
        let target = self.rng.unit() * self.cumulative[self.cumulative.len() - 1];
        let rank = self.cumulative.partition_point(|&c| c <= target);
        self.words[rank.min(self.words.len() - 1)]
    }

    /// `count` distinct words, joined as people type them: Chinese words sometimes run
    /// together (`小米充电宝`), everything else is separated by spaces.
    fn phrase(&mut self, count: usize) -> String {
        let mut chosen: Vec<&str> = Vec::with_capacity(count);
        while chosen.len() < count {
            let word = self.word();
            if !chosen.contains(&word) {
                chosen.push(word);
            }
        }
        let is_cjk = |w: &str| w.chars().next().is_some_and(|c| c as u32 >= 0x3400);
        let mut text = String::new();
        for (i, word) in chosen.iter().enumerate() {
            if i > 0 && !(is_cjk(chosen[i - 1]) && is_cjk(word) && self.rng.below(2) == 0) {
                text.push(' ');
            }
            text.push_str(word);
        }
        text
    }

    pub fn listing(&mut self) -> Listing {
        let title_words = 2 + self.rng.below(4) as usize;
        let note_words = 3 + self.rng.below(8) as usize;
        let title = self.phrase(title_words);
        let note = self.phrase(note_words);
        Listing {
            title,
            note,
            category: 1 + self.rng.below(8) as i64,
            price: (1 + self.rng.below(20_000)) as f64 / 10.0,
            condition: 50 + self.rng.below(51) as i64,
            sold: if self.rng.below(10) == 0 { -1 } else { 1 },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn titles_vary_and_common_words_dominate() {
        let mut corpus = Corpus::new();
        let listings: Vec<Listing> = (0..10_000).map(|_| corpus.listing()).collect();
        let titles: HashSet<&str> = listings.iter().map(|l| l.title.as_str()).collect();
        assert!(titles.len() > 9_000, "{} distinct titles", titles.len());
        let with = |word: &str| listings.iter().filter(|l| l.title.contains(word)).count();
        assert!(with("二手") > 10 * with("微积分").max(1));
        let words = vocabulary();
        assert_eq!(words.len(), 320, "160 words of each language");
        assert_eq!(words.iter().collect::<HashSet<_>>().len(), words.len(), "no word twice");
    }
}
