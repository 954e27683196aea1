pub struct AtChannel;
pub enum Notification {}
