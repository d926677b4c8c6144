"""A small template with a database secret, its rotation function and an ECS task that reads it
(shared by the MF0201, MF0901 and MF0902 tests)."""

from tests.helpers import dedent

APP = dedent(
    """
    Resources:
      Creds:   # database credentials
        Type: AWS::SecretsManager::Secret
        Properties:
          GenerateSecretString:
            SecretStringTemplate: '{"username": "app"}'
            GenerateStringKey: password
      Db:
        Type: AWS::RDS::DBCluster
        Properties:
          Engine: aurora-postgresql
          MasterUsername: !Sub '{{resolve:secretsmanager:${Creds}:SecretString:username}}'
          MasterUserPassword: !Sub '{{resolve:secretsmanager:${Creds}:SecretString:password}}'
      RotateRole:
        Type: AWS::IAM::Role
        Properties:
          AssumeRolePolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Principal: {Service: lambda.amazonaws.com}
                Action: sts:AssumeRole
          Policies:
            - PolicyName: Rotate
              PolicyDocument:
                Version: '2012-10-17'
                Statement:
                  - Effect: Allow   # the one secret
                    Action: [secretsmanager:GetSecretValue, secretsmanager:PutSecretValue]
                    Resource: !Ref Creds
      Rotator:
        Type: AWS::Lambda::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          Role: !GetAtt RotateRole.Arn
          Code: {ZipFile: 'def handler(e, c): pass'}
      Rotation:
        Type: AWS::SecretsManager::RotationSchedule
        Properties:
          SecretId: !Ref Creds
          RotationLambdaARN: !GetAtt Rotator.Arn
          RotationRules: {AutomaticallyAfterDays: 30}
      AgentRole:
        Type: AWS::IAM::Role
        Properties:
          AssumeRolePolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Principal: {Service: ecs-tasks.amazonaws.com}
                Action: sts:AssumeRole
          Policies:
            - PolicyName: Secrets
              PolicyDocument:
                Version: '2012-10-17'
                Statement:
                  - Effect: Allow
                    Action: secretsmanager:GetSecretValue
                    Resource: !Ref Creds
      AppRole:
        Type: AWS::IAM::Role
        Properties:
          AssumeRolePolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Principal: {Service: ecs-tasks.amazonaws.com}
                Action: sts:AssumeRole
      Task:
        Type: AWS::ECS::TaskDefinition
        Properties:
          ExecutionRoleArn: !GetAtt AgentRole.Arn
          TaskRoleArn: !GetAtt AppRole.Arn
          ContainerDefinitions:
            - Name: app
              Image: app
              Secrets:
                - Name: DB_PASSWORD
                  ValueFrom: !Sub '${Creds}:password::'
    """
)

SECRETS_KEY_YAML = """\
  SecretsManagerKMSKey:
    Type: AWS::KMS::Key
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      Description: Encrypts the Secrets Manager secrets of this stack
      EnableKeyRotation: true
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: EnableRootAccountAdministration
            Effect: Allow
            Principal:
              AWS: !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:root
            Action:
              - kms:CancelKeyDeletion
              - kms:CreateAlias
              - kms:Delete*
              - kms:Describe*
              - kms:Disable*
              - kms:Enable*
              - kms:Get*
              - kms:List*
              - kms:Put*
              - kms:Revoke*
              - kms:RotateKeyOnDemand
              - kms:ScheduleKeyDeletion
              - kms:TagResource
              - kms:UntagResource
              - kms:Update*
            Resource: '*'
          - Sid: AllowSecretsManagerUse
            Effect: Allow
            Principal:
              AWS: !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:root
            Action:
              - kms:Decrypt
              - kms:DescribeKey
              - kms:Encrypt
              - kms:GenerateDataKey*
              - kms:ReEncrypt*
            Resource: '*'
            Condition:
              StringEquals:
                kms:CallerAccount: !Ref AWS::AccountId
                kms:ViaService: !Sub secretsmanager.${AWS::Region}.amazonaws.com
  SecretsManagerKMSKeyAlias:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: !Sub alias/${AWS::StackName}/secretsmanager
      TargetKeyId: !Ref SecretsManagerKMSKey
"""
