"""The lecture's sample repository, as LECTURE.md describes it at its head (one branch,
`master`): a tiny Express app on port 3000 whose test no longer matches its greeting, a
Dockerfile without WORKDIR, and the lecture's own buildspec with every value hard-coded.

The lecture forks a public repository; the sandbox seeds a copy under a made-up owner
(SAMPLE_REPOSITORY) with a fixed author and date, so the seed commit's id is the same in
every run. The buildspec's account is a documentation-style fake (111122223333): never the
sandbox's own 123456789012, so pushing it unchanged fails as it does for a student on AWS.
"""

from __future__ import annotations

SAMPLE_REPOSITORY = "ktb-lecture/ktb-repo"
SAMPLE_BRANCH = "master"
LECTURE_ACCOUNT = "111122223333"
LECTURE_REGION = "ap-northeast-1"
SEED_AUTHOR = ("KTB Lecture", "lecture@example.invalid")
SEED_DATE = 1709251200  # 2024-03-01T00:00:00Z
SEED_MESSAGE = "Sample Express app with Dockerfile and buildspec"

APP_JS = """\
const express = require('express');

const app = express();

app.get('/', (req, res) => {
  res.send('Hello, KTB World!!!');
});

app.get('/ping', (req, res) => {
  res.status(200).send('ping');
});

module.exports = app;
"""

SERVER_JS = """\
const app = require('./app');

const PORT = process.env.PORT || 3000;

app.listen(PORT, () => {
  console.log(`Server is running on port ${PORT}`);
});
"""

PACKAGE_JSON = """\
{
  "name": "ktb-repo",
  "version": "1.0.0",
  "description": "Sample Express app for the CI/CD pipeline lecture",
  "main": "src/server.js",
  "scripts": {
    "start": "node src/server.js",
    "test": "jest"
  },
  "dependencies": {
    "express": "^4.19.2"
  },
  "devDependencies": {
    "jest": "^29.7.0",
    "supertest": "^7.0.0"
  }
}
"""

APP_TEST_JS = """\
const request = require('supertest');
const app = require('../src/app');

describe('GET /', () => {
  it('responds with the greeting', async () => {
    const res = await request(app).get('/');
    expect(res.statusCode).toBe(200);
    expect(res.text).toBe('Hello, World!');
  });
});

describe('GET /ping', () => {
  it('responds with 200', async () => {
    const res = await request(app).get('/ping');
    expect(res.statusCode).toBe(200);
  });
});
"""

DOCKERFILE = """\
FROM node:18-alpine

COPY package*.json ./

RUN npm install

COPY . .

EXPOSE 3000

CMD ["node", "src/server.js"]
"""

BUILDSPEC = f"""\
version: 0.2

env:
  variables:
    AWS_DEFAULT_REGION: {LECTURE_REGION}

phases:
  pre_build:
    commands:
      - echo Logging in to Amazon ECR...
      - aws ecr get-login-password --region $AWS_DEFAULT_REGION | docker login --username AWS --password-stdin {LECTURE_ACCOUNT}.dkr.ecr.{LECTURE_REGION}.amazonaws.com
      - REPOSITORY_URI={LECTURE_ACCOUNT}.dkr.ecr.{LECTURE_REGION}.amazonaws.com/ktb-repo
      - COMMIT_HASH=$(echo $CODEBUILD_RESOLVED_SOURCE_VERSION | cut -c 1-7)
      - IMAGE_TAG=${{COMMIT_HASH:=latest}}
  build:
    commands:
      - echo Build started on `date`
      - echo Building the Docker image...
      - docker build -t $REPOSITORY_URI:latest .
      - docker tag $REPOSITORY_URI:latest $REPOSITORY_URI:$IMAGE_TAG
  post_build:
    commands:
      - echo Build completed on `date`
      - echo Pushing the Docker images...
      - docker push $REPOSITORY_URI:latest
      - docker push $REPOSITORY_URI:$IMAGE_TAG
      - echo Writing image definitions file...
      - printf '[{{"name":"ktb-repo","imageUri":"%s"}}]' $REPOSITORY_URI:$IMAGE_TAG > imagedefinitions.json

artifacts:
  files: imagedefinitions.json
"""

README = """\
# ktb-repo

Sample Express app for the CI/CD pipeline lecture (GitHub -> CodePipeline -> CodeBuild ->
ECR -> ECS on Fargate).

- `GET /` answers the greeting, `GET /ping` answers 200.
- `npm start` listens on `PORT` or 3000; `npm test` runs jest.
"""

GITIGNORE = "node_modules/\n"

FILES: dict[str, str] = {
    ".gitignore": GITIGNORE,
    "Dockerfile": DOCKERFILE,
    "README.md": README,
    "__tests__/app.test.js": APP_TEST_JS,
    "buildspec.yml": BUILDSPEC,
    "package.json": PACKAGE_JSON,
    "src/app.js": APP_JS,
    "src/server.js": SERVER_JS,
}
