// Randomised test of tmpfs against a model: thousands of operations (create, mkdir, write at
// offsets, truncate, unlink, rmdir, rename with its flags, link, symlink, open and close, page
// shortages) on a small tree, with the whole tree compared to a std::map model after every step:
// names, types, sizes, contents, link counts, symlink targets. Seeded and reproducible; then
// everything is removed and no page or inode may be left.
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "vfs_fixture.h"

using namespace vfs_test;
using namespace kernel::abi;

namespace {

enum class Kind { File, Dir, Link };
struct Node {
    Kind kind;
    int id;              // files: the data's identity (hard links share it)
    std::string target;  // links
};

class Model {
public:
    std::map<std::string, Node> tree;   // "/a/b" -> node; the root "" is implicit
    std::map<int, std::string> data;    // file id -> contents
    int next_id = 1;

    static std::string parent_of(const std::string& p) { return p.substr(0, p.rfind('/')); }
    bool is_dir(const std::string& p) const { return p.empty() || (tree.count(p) && tree.at(p).kind == Kind::Dir); }
    bool empty_dir(const std::string& p) const {
        auto it = tree.lower_bound(p + "/");
        return it == tree.end() || it->first.compare(0, p.size() + 1, p + "/") != 0;
    }
    std::vector<std::string> children(const std::string& p) const {
        std::vector<std::string> out;
        for (auto it = tree.lower_bound(p + "/"); it != tree.end() && it->first.compare(0, p.size() + 1, p + "/") == 0; ++it)
            if (it->first.find('/', p.size() + 1) == std::string::npos) out.push_back(it->first.substr(p.size() + 1));
        return out;
    }
    // Moves `from` (and what is below it) to `to`.
    void move(const std::string& from, const std::string& to) {
        std::map<std::string, Node> moved;
        for (auto it = tree.begin(); it != tree.end();) {
            if (it->first == from || it->first.compare(0, from.size() + 1, from + "/") == 0) {
                moved[to + it->first.substr(from.size())] = it->second;
                it = tree.erase(it);
            } else {
                ++it;
            }
        }
        for (auto& [k, v] : moved) tree[k] = v;
    }
};

class TmpfsRandomTest : public ::testing::TestWithParam<unsigned> {
protected:
    void SetUp() override {
        lock();
        fs = TmpFs::create(pages, 0, 0755);
        ASSERT_NE(fs, nullptr);
    }
    void TearDown() override {
        for (auto& h : open) h.inode->put_locked();
        open.clear();
        if (fs) {
            EXPECT_FALSE(fs->busy());
            delete fs;
        }
        unlock();
        EXPECT_EQ(pages.live(), 0u);
    }

    Inode* resolve(const std::string& path) {
        Inode* cur = fs->root();
        std::size_t pos = 1;
        while (pos <= path.size() && !path.empty()) {
            std::size_t next = path.find('/', pos);
            if (next == std::string::npos) next = path.size();
            auto r = cur->lookup(path.data() + pos, next - pos);
            if (!r.ok()) return nullptr;
            r.value()->put_locked();
            cur = r.value();
            pos = next + 1;
        }
        return cur;
    }

    // The whole tree against the model.
    void check_all() {
        links.clear();
        for (auto& [k, v] : model.tree)
            if (v.kind == Kind::File) ++links[v.id];
        check("", fs->root());
    }
    void check(const std::string& dir_path, Inode* dir) {
        struct Sink final : DirSink {
            std::map<std::string, Inode*> seen;
            Inode* self;
            bool emit(const DirEntry& e, std::uint64_t) override {
                std::string n(e.name, e.name_len);
                if (n != "." && n != "..") {
                    auto r = self->lookup(e.name, e.name_len);
                    EXPECT_TRUE(r.ok());
                    if (r.ok()) r.value()->put_locked();
                    seen[n] = r.ok() ? r.value() : nullptr;
                    EXPECT_EQ(e.ino, r.ok() ? r.value()->ino : 0);
                    EXPECT_EQ(e.mode, r.ok() ? r.value()->mode : 0);
                }
                return true;
            }
        } sink;
        sink.self = dir;
        std::uint64_t cookie = 0;
        ASSERT_EQ(dir->readdir(cookie, sink), 0);
        const auto names = model.children(dir_path);
        ASSERT_EQ(sink.seen.size(), names.size()) << "in " << dir_path << " after step " << step;
        int subdirs = 0;
        for (const std::string& n : names) {
            const std::string p = dir_path + "/" + n;
            ASSERT_TRUE(sink.seen.count(n)) << p << " missing after step " << step;
            Inode* i = sink.seen[n];
            const Node& node = model.tree.at(p);
            switch (node.kind) {
            case Kind::Dir:
                ASSERT_TRUE(i->is_dir()) << p;
                EXPECT_EQ(i->parent, dir) << p;
                ++subdirs;
                check(p, i);
                break;
            case Kind::File: {
                ASSERT_TRUE(i->is_reg()) << p;
                const std::string& want = model.data.at(node.id);
                ASSERT_EQ(i->size, want.size()) << p << " after step " << step;
                ASSERT_EQ(read_all(i), want) << p << " after step " << step;
                EXPECT_EQ(i->nlink, static_cast<std::uint32_t>(links[node.id])) << p;
                break;
            }
            case Kind::Link: {
                ASSERT_TRUE(i->is_symlink()) << p;
                std::size_t len = 0;
                auto t = i->link_target(len);
                ASSERT_TRUE(t.ok());
                EXPECT_EQ(std::string(t.value(), len), node.target) << p;
                break;
            }
            }
        }
        EXPECT_EQ(dir->nlink, static_cast<std::uint32_t>(2 + subdirs)) << dir_path;
    }

    std::string pick_dir() {
        std::vector<std::string> dirs{""};
        for (auto& [k, v] : model.tree)
            if (v.kind == Kind::Dir && std::count(k.begin(), k.end(), '/') < 4) dirs.push_back(k);
        return dirs[rng() % dirs.size()];
    }
    std::string pick_name() { return std::string(1, static_cast<char>('a' + rng() % 5)); }
    std::string pick_any(Kind k) {
        std::vector<std::string> v;
        for (auto& [p, n] : model.tree)
            if (n.kind == k) v.push_back(p);
        return v.empty() ? "" : v[rng() % v.size()];
    }

    void one_step();

    FakePages pages;
    TmpFs* fs = nullptr;
    Model model;
    std::mt19937 rng;
    int step = 0;
    struct Handle {
        Inode* inode;
        int id;
    };
    std::vector<Handle> open;
    std::map<int, int> links;   // file id -> names (check_all)
};

void TmpfsRandomTest::one_step() {
    const std::string d = pick_dir();
    const std::string n = pick_name();
    const std::string p = d + "/" + n;
    Inode* dir = resolve(d);
    ASSERT_NE(dir, nullptr) << d;
    const bool exists = model.tree.count(p) != 0;
    switch (rng() % 12) {
    case 0: {   // create
        auto r = dir->create(n.c_str(), 1, kS_IFREG | 0644, 0, 0, 0);
        if (exists) {
            EXPECT_EQ(r.errno_value(), EEXIST);
        } else {
            ASSERT_TRUE(r.ok());
            r.value()->put_locked();
            model.tree[p] = Node{Kind::File, model.next_id, ""};
            model.data[model.next_id++] = "";
        }
        break;
    }
    case 1: {   // mkdir
        auto r = dir->mkdir(n.c_str(), 1, 0755, 0, 0);
        if (exists) {
            EXPECT_EQ(r.errno_value(), EEXIST);
        } else {
            ASSERT_TRUE(r.ok());
            r.value()->put_locked();
            model.tree[p] = Node{Kind::Dir, 0, ""};
        }
        break;
    }
    case 2:
    case 3: {   // write at an offset, sometimes short of pages
        const std::string f = pick_any(Kind::File);
        if (f.empty()) break;
        Inode* i = resolve(f);
        std::string& content = model.data[model.tree.at(f).id];
        const std::uint64_t off = rng() % 3 == 0 ? content.size() : rng() % (3 * 4096 + 100);
        const std::string s(1 + rng() % 6000, static_cast<char>('A' + rng() % 26));
        const bool short_of_pages = rng() % 8 == 0;
        if (short_of_pages) pages.limit = static_cast<long>(pages.live());
        const std::int64_t r = write_str(i, off, s);
        pages.limit = -1;
        ASSERT_TRUE(r > 0 || (short_of_pages && r == -ENOSPC)) << r;
        if (r > 0) {
            if (content.size() < off + r) content.resize(off + r, '\0');
            content.replace(off, r, s.substr(0, r));
        }
        break;
    }
    case 4: {   // truncate
        const std::string f = pick_any(Kind::File);
        if (f.empty()) break;
        const std::uint64_t size = rng() % (4 * 4096);
        ASSERT_EQ(resolve(f)->truncate(size), 0);
        model.data[model.tree.at(f).id].resize(size, '\0');
        break;
    }
    case 5: {   // unlink
        const std::int64_t r = dir->unlink(n.c_str(), 1);
        if (!exists) EXPECT_EQ(r, -ENOENT);
        else if (model.tree[p].kind == Kind::Dir) EXPECT_EQ(r, -EISDIR);
        else {
            ASSERT_EQ(r, 0);
            model.tree.erase(p);
        }
        break;
    }
    case 6: {   // rmdir
        const std::int64_t r = dir->rmdir(n.c_str(), 1);
        if (!exists) EXPECT_EQ(r, -ENOENT);
        else if (model.tree[p].kind != Kind::Dir) EXPECT_EQ(r, -ENOTDIR);
        else if (!model.empty_dir(p)) EXPECT_EQ(r, -ENOTEMPTY);
        else {
            ASSERT_EQ(r, 0);
            model.tree.erase(p);
        }
        break;
    }
    case 7:
    case 8: {   // rename
        const std::string d2 = pick_dir();
        const std::string n2 = pick_name();
        const std::string p2 = d2 + "/" + n2;
        Inode* dir2 = resolve(d2);
        const unsigned flags = rng() % 4 == 0 ? kRENAME_NOREPLACE : rng() % 4 == 0 ? kRENAME_EXCHANGE : 0;
        const std::int64_t r = dir->rename(n.c_str(), 1, dir2, n2.c_str(), 1, flags);
        const bool dst = model.tree.count(p2) != 0;
        auto within = [](const std::string& x, const std::string& anc) {
            return x == anc || x.compare(0, anc.size() + 1, anc + "/") == 0;
        };
        if (!exists) { EXPECT_EQ(r, -ENOENT); break; }
        if ((flags & kRENAME_NOREPLACE) && dst) { EXPECT_EQ(r, -EEXIST); break; }
        if ((flags & kRENAME_EXCHANGE) && !dst) { EXPECT_EQ(r, -ENOENT); break; }
        const Node src = model.tree[p];
        const bool same = p == p2 || (dst && src.kind == Kind::File && model.tree[p2].kind == Kind::File &&
                                      model.tree[p2].id == src.id);
        if (same) { EXPECT_EQ(r, 0); break; }
        if (src.kind == Kind::Dir && within(d2, p)) { EXPECT_EQ(r, -EINVAL); break; }
        if (flags & kRENAME_EXCHANGE) {
            if (model.tree[p2].kind == Kind::Dir && within(d, p2)) { EXPECT_EQ(r, -EINVAL); break; }
            ASSERT_EQ(r, 0);
            model.move(p, "\x01tmp");
            model.move(p2, p);
            model.move("\x01tmp", p2);
            break;
        }
        if (dst) {
            const Node& t = model.tree[p2];
            if (src.kind == Kind::Dir && t.kind != Kind::Dir) { EXPECT_EQ(r, -ENOTDIR); break; }
            if (src.kind != Kind::Dir && t.kind == Kind::Dir) { EXPECT_EQ(r, -EISDIR); break; }
            if (t.kind == Kind::Dir && !model.empty_dir(p2)) { EXPECT_EQ(r, -ENOTEMPTY); break; }
            model.tree.erase(p2);
        }
        ASSERT_EQ(r, 0) << p << " -> " << p2;
        model.move(p, p2);
        break;
    }
    case 9: {   // hard link
        const std::string f = pick_any(Kind::File);
        if (f.empty()) break;
        const std::int64_t r = dir->link(n.c_str(), 1, resolve(f));
        if (exists) EXPECT_EQ(r, -EEXIST);
        else {
            ASSERT_EQ(r, 0);
            model.tree[p] = model.tree[f];
        }
        break;
    }
    case 10: {   // symlink
        const std::string target = "t" + std::to_string(rng() % 1000) + "/x";
        auto r = dir->symlink(n.c_str(), 1, target.c_str(), target.size(), 0, 0);
        if (exists) EXPECT_EQ(r.errno_value(), EEXIST);
        else {
            ASSERT_TRUE(r.ok());
            r.value()->put_locked();
            model.tree[p] = Node{Kind::Link, 0, target};
        }
        break;
    }
    case 11: {   // open a file, or close one (an open file outlives its names)
        if (!open.empty() && rng() % 2) {
            const std::size_t k = rng() % open.size();
            EXPECT_EQ(read_all(open[k].inode), model.data[open[k].id]);
            open[k].inode->put_locked();
            open.erase(open.begin() + static_cast<long>(k));
        } else {
            const std::string f = pick_any(Kind::File);
            if (f.empty()) break;
            Inode* i = resolve(f);
            i->get();
            open.push_back(Handle{i, model.tree.at(f).id});
        }
        break;
    }
    }
}

TEST_P(TmpfsRandomTest, MatchesTheModel) {
    rng.seed(GetParam());
    for (step = 0; step < 2000; ++step) {
        one_step();
        if (HasFatalFailure()) return;
        check_all();
        for (auto& h : open) ASSERT_EQ(read_all(h.inode), model.data[h.id]) << "step " << step;
        if (HasFatalFailure() || HasFailure()) {
            ADD_FAILURE() << "seed " << GetParam() << " step " << step;
            return;
        }
    }
    // rm -r: deepest first; then nothing but the root is left, and no page.
    for (auto& h : open) h.inode->put_locked();
    open.clear();
    while (!model.tree.empty()) {
        auto it = std::prev(model.tree.end());   // children sort after their parent
        std::string longest = it->first;
        for (auto& [k, v] : model.tree)
            if (std::count(k.begin(), k.end(), '/') > std::count(longest.begin(), longest.end(), '/')) longest = k;
        Inode* parent = resolve(Model::parent_of(longest));
        const std::string name = longest.substr(longest.rfind('/') + 1);
        if (model.tree[longest].kind == Kind::Dir) ASSERT_EQ(parent->rmdir(name.c_str(), name.size()), 0);
        else ASSERT_EQ(parent->unlink(name.c_str(), name.size()), 0);
        model.tree.erase(longest);
    }
    EXPECT_EQ(fs->inode_count(), 1u);
    EXPECT_EQ(fs->pages_used(), 0u);
    EXPECT_EQ(pages.live(), 0u);
    EXPECT_EQ(fs->root()->nlink, 2u);
}

INSTANTIATE_TEST_SUITE_P(Seeds, TmpfsRandomTest, ::testing::Values(1u, 2u, 42u, 1234u, 99991u));

}  // namespace
