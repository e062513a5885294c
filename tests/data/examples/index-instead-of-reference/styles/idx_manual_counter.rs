// expect: index-instead-of-reference
pub struct Peer { pub addr: u32, pub score: i32 }

pub fn peer(peers: &mut Vec<Peer>, addr: u32) -> &mut Peer {
    let mut at = None;
    let mut n = 0;
    for p in peers.iter() {
        if p.addr == addr {
            at = Some(n);
            break;
        }
        n += 1;
    }
    if let Some(n) = at {
        return &mut peers[n];
    }
    peers.push(Peer { addr, score: 0 });
    peers.last_mut().unwrap()
}
