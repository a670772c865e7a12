//! `/item/image`: replaces an item's pictures. New objects are written under fresh names
//! first, `imgurl` is switched in one conditional write, and only then are the old objects
//! removed, so a failure at any step leaves the old pictures and `imgurl` intact.

use crate::error::ItemError;
use foof_shared::app::Services;
use foof_shared::domain::item::{MAX_IMAGES, join_image_paths};
use foof_shared::http::FileField;
use foof_shared::images::{CleanImage, sanitize};
use foof_shared::ports::OwnerWrite;
use futures_util::future::{join_all, try_join_all};

/// The first picture number not used by the item's current pictures.
fn next_number(prefix: &str, current: &[&str]) -> usize {
    current
        .iter()
        .filter_map(|path| path.strip_prefix(prefix)?.split('.').next()?.parse::<usize>().ok())
        .max()
        .map_or(0, |n| n + 1)
}

async fn delete_quietly(app: &Services, paths: &[String]) {
    for result in join_all(paths.iter().map(|path| app.objects.delete(path))).await {
        if let Err(error) = result {
            tracing::warn!(%error, "an unused item image was left in the bucket");
        }
    }
}

pub async fn replace_images(
    app: &Services,
    owner: i64,
    itemid: i64,
    files: &[FileField],
) -> Result<Vec<String>, ItemError> {
    if files.is_empty() || files.len() > MAX_IMAGES {
        return Err(ItemError::InvalidRequest);
    }
    let images: Vec<CleanImage> = files
        .iter()
        .map(|f| sanitize(&f.bytes))
        .collect::<Result<_, _>>()
        .map_err(|_| ItemError::InvalidRequest)?;
    let item = app
        .items
        .get(itemid)
        .await?
        .filter(|item| !item.deleted)
        .ok_or(ItemError::NoSuchItem)?;
    if item.uuid != owner {
        return Err(ItemError::NotOwner);
    }
    let prefix = format!("image/item/{owner}-{itemid}-");
    let current: Vec<&str> = item.image_paths();
    let first = next_number(&prefix, &current);
    let paths: Vec<String> = images
        .iter()
        .enumerate()
        .map(|(i, image)| format!("{prefix}{}.{}", first + i, image.kind.extension()))
        .collect();

    let uploads = images
        .into_iter()
        .zip(&paths)
        .map(|(image, path)| app.objects.put(path, image.bytes.into(), image.kind.content_type()));
    if let Err(error) = try_join_all(uploads).await {
        delete_quietly(app, &paths).await;
        return Err(error.into());
    }
    let switched = app
        .items
        .replace_images(itemid, owner, &item.imgurl, &join_image_paths(&paths))
        .await;
    let refusal = match switched {
        Ok(OwnerWrite::Done) => None,
        Ok(OwnerWrite::NotOwner) => Some(ItemError::NotOwner),
        Ok(OwnerWrite::Missing) => Some(ItemError::NoSuchItem),
        Ok(OwnerWrite::Stale) => Some(ItemError::InvalidRequest),
        Err(error) => Some(error.into()),
    };
    if let Some(error) = refusal {
        delete_quietly(app, &paths).await;
        return Err(error);
    }
    let old: Vec<String> = current
        .iter()
        .filter(|p| p.starts_with(&prefix))
        .map(|p| p.to_string())
        .collect();
    delete_quietly(app, &old).await;
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::next_number;

    #[test]
    fn new_pictures_never_reuse_a_current_name() {
        let prefix = "image/item/3-7-";
        assert_eq!(next_number(prefix, &[]), 0);
        assert_eq!(next_number(prefix, &["image/item/default.jpg"]), 0);
        assert_eq!(
            next_number(prefix, &["image/item/3-7-0.jpg", "image/item/3-7-1.png"]),
            2
        );
        assert_eq!(
            next_number(prefix, &["image/item/3-7-4.jpg", "image/item/9-7-9.jpg"]),
            5
        );
    }
}
