// expect: index-instead-of-reference
pub struct Player { pub name: String, pub score: i64 }
pub struct Table { players: Vec<Player> }
impl Table {
    pub fn player(&mut self, name: &str) -> &mut Player {
        if let Some(at) = self.players.iter().position(|p| p.name == name) {
            return &mut self.players[at];
        }
        self.players.push(Player { name: name.to_owned(), score: 0 });
        self.players.last_mut().unwrap()
    }
}
