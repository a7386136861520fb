"""Named plasticine goal shapes (NAME.npy), the start they were made from (start.npy) and their index
(shapes.json): data read by `xembody.goals.named_goal`, made by `xembody.experiments.goal_shapes`."""
