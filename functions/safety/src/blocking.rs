//! A user's block list.

use crate::error::SafetyError;
use crate::use_cases::Safety;
use foof_domain::ids::UserId;
use foof_domain::ports::Written;
use foof_domain::safety::Block;

impl Safety {
    pub async fn block(&self, me: UserId, whom: UserId) -> Result<(), SafetyError> {
        if me == whom {
            return Err(SafetyError::SelfBlock);
        }
        let blocked = self.ports.blocks.blocked_by(me).await?;
        if blocked.len() >= self.limits.max_blocks && !blocked.iter().any(|block| block.blocked == whom) {
            return Err(SafetyError::TooManyBlocks);
        }
        match self.ports.blocks.block(me, whom, self.ports.clock.now_ms()).await? {
            Written::Done => Ok(()),
            Written::Refused => Err(SafetyError::NoSuchUser),
        }
    }

    pub async fn unblock(&self, me: UserId, whom: UserId) -> Result<(), SafetyError> {
        Ok(self.ports.blocks.unblock(me, whom).await?)
    }

    pub async fn blocked_by(&self, me: UserId) -> Result<Vec<Block>, SafetyError> {
        Ok(self.ports.blocks.blocked_by(me).await?)
    }
}
